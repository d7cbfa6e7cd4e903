"""Read and validate a rules file into a `Ruleset`, or raise RulesFileError listing every issue.

Checks: YAML syntax and limits (rules.yamlsrc), the document structure (unknown/missing keys,
types), the fact schema against the engine's catalogue, parameter values against their declared
types, every condition (known field/param, operator allowed for the field's type, literal types and
allowed values, kind applicability), outcomes and `requires` against the declared titles, duplicate
ids, cycles in `requires`, and rules that can never fire (contradictory conditions or a required
title nobody can grant).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import itertools
import math
import re
from collections.abc import Iterable
from pathlib import Path as FsPath
from typing import Any, cast

from rules.catalogue import BOTH, COL, IND, KNOWN_FIELDS, FieldType, Kind, Value
from rules.errors import Issue, RulesFileError
from rules.model import (
    NEGATED,
    OPS,
    FieldSpec,
    Group,
    Leaf,
    LeafValue,
    Node,
    Op,
    OutcomeKind,
    Param,
    ParamType,
    ParamValue,
    Rule,
    Ruleset,
    Title,
    TitleKind,
)
from rules.yamlsrc import Path, Source, canonical_json, format_path, read_yaml

MAX_RULES = 500
MAX_COND_DEPTH = 12
MAX_LEAVES = 200
MAX_LIST = 100
MAX_TEXT = 5000
MAX_DNF = 1024

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,31}$")
_RULE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
_TITLE_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
_PARAM_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

_KIND_VI = {"individual": "cá nhân", "collective": "tập thể"}
_APPLIES: dict[str, frozenset[Kind]] = {"individual": IND, "collective": COL, "both": BOTH}
_TYPE_VI = {
    "integer": "số nguyên",
    "number": "số",
    "boolean": "true/false",
    "string": "chuỗi",
    "string_list": "danh sách chuỗi",
    "integer_list": "danh sách số nguyên",
}
_OPS_FOR: dict[str, tuple[Op, ...]] = {
    "boolean": ("eq", "ne"),
    "string": ("eq", "ne", "in", "not_in"),
    "integer": OPS,
    "number": ("eq", "ne", "lt", "lte", "gt", "gte"),
}
_OP_SYM = {
    "eq": "=",
    "ne": "≠",
    "lt": "<",
    "lte": "≤",
    "gt": ">",
    "gte": "≥",
    "in": "∈",
    "not_in": "∉",
}


def describe_type(v: object) -> str:
    """The Vietnamese name of a YAML value's type, for messages."""
    if v is None:
        return "rỗng (null)"
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, int):
        return "số nguyên"
    if isinstance(v, float):
        return "số thực"
    if isinstance(v, str):
        return "chuỗi"
    if isinstance(v, list):
        return "danh sách"
    if isinstance(v, dict):
        return "ánh xạ"
    if isinstance(v, dt.date):
        return "ngày"
    return type(v).__name__


def _show(v: object) -> str:
    s = repr(v) if isinstance(v, str) else str(v)
    return s if len(s) <= 60 else s[:57] + "..."


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (có phải '{close[0]}'?)" if close else ""


class _Reader:
    """Typed accessors over a Source that record issues instead of raising."""

    def __init__(self, src: Source) -> None:
        self.src = src

    def err(self, path: Path, msg: str, code: str = "invalid", *, at_key: bool = False) -> None:
        self.src.error(path, msg, code=code, at_key=at_key)

    def mapping(
        self, path: Path, v: object, required: Iterable[str], optional: Iterable[str] = ()
    ) -> dict[str, Any] | None:
        where = format_path(path) or "tài liệu"
        if not isinstance(v, dict):
            self.err(
                path, f"{where} phải là một ánh xạ (mapping), nhận được {describe_type(v)}", "type"
            )
            return None
        req = list(required)
        allowed = set(req) | set(optional)
        for k in v:
            if k not in allowed:
                self.err(
                    (*path, k),
                    f"khóa không hợp lệ '{k}' trong {where}{_suggest(k, allowed)}",
                    "unknown-key",
                    at_key=True,
                )
        for k in req:
            if k not in v:
                self.err(path, f"thiếu khóa bắt buộc '{k}' trong {where}", "missing-key")
        return v

    def table(self, path: Path, v: object, max_items: int = MAX_RULES) -> dict[str, Any] | None:
        """A mapping with free keys (names of fields, parameters, titles)."""
        if not isinstance(v, dict):
            self.err(
                path,
                f"{format_path(path)} phải là một ánh xạ (mapping), nhận được {describe_type(v)}",
                "type",
            )
            return None
        if len(v) > max_items:
            self.err(path, f"{format_path(path)} có quá nhiều mục (tối đa {max_items})", "size")
            return None
        return v

    def text(self, path: Path, v: object, *, required: bool = True) -> str | None:
        if v is None and not required:
            return None
        if not isinstance(v, str) or not v.strip():
            self.err(
                path,
                f"{format_path(path)} phải là một chuỗi không rỗng, nhận được {describe_type(v)}",
                "type",
            )
            return None
        if len(v) > MAX_TEXT:
            self.err(path, f"{format_path(path)} quá dài (tối đa {MAX_TEXT} ký tự)", "size")
            return None
        return v

    def ident(self, path: Path, v: object, pattern: re.Pattern[str], hint: str) -> str | None:
        if not isinstance(v, str) or not pattern.match(v):
            shown = _show(v) if isinstance(v, str) else describe_type(v)
            self.err(path, f"{format_path(path)} không hợp lệ: {shown} ({hint})", "type")
            return None
        return v

    def boolean(self, path: Path, v: object, default: bool = False) -> bool:
        if v is None:
            return default
        if not isinstance(v, bool):
            self.err(
                path,
                f"{format_path(path)} phải là true/false, nhận được {describe_type(v)}",
                "type",
            )
            return default
        return v

    def integer(self, path: Path, v: object, default: int) -> int:
        if v is None:
            return default
        if isinstance(v, bool) or not isinstance(v, int) or abs(v) > 10**9:
            self.err(
                path, f"{format_path(path)} phải là số nguyên, nhận được {describe_type(v)}", "type"
            )
            return default
        return v

    def date(self, path: Path, v: object, *, required: bool = True) -> dt.date | None:
        if v is None and not required:
            return None
        if isinstance(v, dt.datetime) or not isinstance(v, dt.date):
            self.err(
                path,
                f"{format_path(path)} phải là một ngày dạng YYYY-MM-DD, nhận được {describe_type(v)}",
                "type",
            )
            return None
        return v

    def applies(self, path: Path, v: object) -> frozenset[Kind] | None:
        if not isinstance(v, str) or v not in _APPLIES:
            self.err(
                path,
                f"{format_path(path)} phải là individual, collective hoặc both, nhận được {_show(v)}",
                "type",
            )
            return None
        return _APPLIES[v]


def _literal_ok(ftype: FieldType, values: tuple[str, ...] | None, v: object) -> bool:
    if ftype == "boolean":
        return isinstance(v, bool)
    if ftype == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if ftype == "number":
        return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    return isinstance(v, str) and (values is None or v in values)


def _literal_problem(spec: FieldSpec, v: object) -> str:
    if spec.type == "string" and isinstance(v, str) and spec.values is not None:
        return (
            f"giá trị {_show(v)} không thuộc các giá trị cho phép của trường '{spec.name}': "
            + ", ".join(spec.values)
            + _suggest(v, spec.values)
        )
    return (
        f"trường '{spec.name}' có kiểu {_TYPE_VI[spec.type]}, "
        f"giá trị {_show(v)} là {describe_type(v)}"
    )


class _Loader:
    def __init__(self, src: Source) -> None:
        self.src = src
        self.r = _Reader(src)
        self.fields: dict[str, FieldSpec] = {}
        self.params: dict[str, Param] = {}
        self.titles: dict[str, Title] = {}

    # -- sections -------------------------------------------------------------------------
    def load(self) -> Ruleset | None:
        top = self.r.mapping(
            (),
            self.src.data,
            (
                "id",
                "version",
                "effective_from",
                "legal_basis",
                "description",
                "titles",
                "fact_schema",
                "parameters",
                "rules",
            ),
            ("effective_to",),
        )
        if top is None:
            return None
        rid = self.r.ident(("id",), top.get("id"), _ID_RE, "chữ thường, số và '-', ví dụ ntm-2024")
        version = top.get("version")
        if isinstance(version, int | float) and not isinstance(version, bool):
            self.r.err(
                ("version",),
                f'version phải là chuỗi, hãy viết trong dấu nháy: "{version}"',
                "type",
            )
            version = None
        else:
            version = self.r.ident(("version",), version, _VERSION_RE, 'ví dụ "1" hoặc "2024.1"')
        eff_from = self.r.date(("effective_from",), top.get("effective_from"))
        eff_to = self.r.date(("effective_to",), top.get("effective_to"), required=False)
        if eff_from and eff_to and eff_to < eff_from:
            self.r.err(("effective_to",), "effective_to phải không sớm hơn effective_from", "dates")
        legal = self.r.text(("legal_basis",), top.get("legal_basis"))
        desc = self.r.text(("description",), top.get("description"))
        self._fact_schema(top.get("fact_schema"))
        self._parameters(top.get("parameters"))
        self._titles(top.get("titles"))
        rules = self._rules(top.get("rules"))
        if self.src.issues:
            return None
        rules = self._analyse(rules)
        if self.src.issues:
            return None
        assert rid and version and eff_from and legal and desc
        sha = hashlib.sha256(canonical_json(top).encode("utf-8")).hexdigest()
        return Ruleset(
            id=rid,
            version=version,
            effective_from=eff_from,
            effective_to=eff_to,
            legal_basis=legal,
            description=desc,
            titles=self.titles,
            fields=self.fields,
            params=self.params,
            rules=tuple(rules),
            sha256=sha,
            raw=top,
        )

    def _fact_schema(self, v: object) -> None:
        path: Path = ("fact_schema",)
        m = self.r.table(path, v)
        if m is None:
            return
        if not m:
            self.r.err(path, "fact_schema không được rỗng", "empty")
        for name, spec in m.items():
            p: Path = (*path, name)
            known = KNOWN_FIELDS.get(name)
            if known is None:
                self.r.err(
                    p,
                    f"trường '{name}' không được hệ thống cung cấp{_suggest(name, KNOWN_FIELDS)}; "
                    "xem rules/catalogue.py",
                    "unknown-field",
                    at_key=True,
                )
                continue
            d = self.r.mapping(
                p,
                spec,
                ("type", "description_vi", "description_en"),
                ("values", "unit", "derived", "applies_to", "label_vi", "label_en"),
            )
            if d is None:
                continue
            ftype = d.get("type")
            if not isinstance(ftype, str) or ftype not in _OPS_FOR:
                self.r.err(
                    (*p, "type"),
                    f"kiểu không hợp lệ {_show(ftype)}: integer, number, boolean hoặc string",
                    "type",
                )
                continue
            if ftype != known.type:
                self.r.err(
                    (*p, "type"),
                    f"trường '{name}' có kiểu {known.type} trong hệ thống, không phải {ftype}",
                    "schema-mismatch",
                )
                continue
            derived = self.r.boolean((*p, "derived"), d.get("derived"))
            if derived != known.derived:
                msg = (
                    f"trường '{name}' do hệ thống tính ra: hãy khai báo derived: true"
                    if known.derived
                    else f"trường '{name}' lấy trực tiếp từ dữ liệu, không phải trường tính toán (derived)"
                )
                self.r.err((*p, "derived"), msg, "schema-mismatch")
            values: tuple[str, ...] | None = known.values
            if "values" in d:
                vals = d["values"]
                if known.values is None:
                    self.r.err(
                        (*p, "values"),
                        f"trường '{name}' không có danh sách giá trị",
                        "schema-mismatch",
                    )
                elif (
                    not isinstance(vals, list)
                    or not all(isinstance(x, str) for x in vals)
                    or set(vals) != set(known.values)
                ):
                    self.r.err(
                        (*p, "values"),
                        f"values của '{name}' phải đúng là: " + ", ".join(known.values),
                        "schema-mismatch",
                    )
            applies = known.applies_to
            if "applies_to" in d:
                a = self.r.applies((*p, "applies_to"), d["applies_to"])
                if a is not None:
                    if not a <= known.applies_to:
                        self.r.err(
                            (*p, "applies_to"),
                            f"trường '{name}' chỉ có cho "
                            + ", ".join(_KIND_VI[k] for k in sorted(known.applies_to)),
                            "schema-mismatch",
                        )
                    else:
                        applies = a
            unit = self.r.text((*p, "unit"), d.get("unit"), required=False)
            dvi = self.r.text((*p, "description_vi"), d.get("description_vi")) or ""
            den = self.r.text((*p, "description_en"), d.get("description_en")) or ""
            lvi = self.r.text((*p, "label_vi"), d.get("label_vi"), required=False) or dvi
            len_ = self.r.text((*p, "label_en"), d.get("label_en"), required=False) or den
            self.fields[name] = FieldSpec(
                name=name,
                type=known.type,
                applies_to=applies,
                derived=known.derived,
                values=values,
                unit=unit,
                label_vi=lvi,
                label_en=len_,
                description_vi=dvi,
                description_en=den,
                minimum=known.minimum,
                maximum=known.maximum,
            )

    def _parameters(self, v: object) -> None:
        path: Path = ("parameters",)
        m = self.r.table(path, v)
        if m is None:
            return
        for name, spec in m.items():
            p: Path = (*path, name)
            if not _PARAM_RE.match(name):
                self.r.err(
                    p,
                    f"tên tham số không hợp lệ '{name}' (chữ thường, số, '_')",
                    "type",
                    at_key=True,
                )
                continue
            d = self.r.mapping(
                p,
                spec,
                ("type", "value", "description_vi", "description_en"),
                ("unit", "unconfirmed"),
            )
            if d is None:
                continue
            ptype = d.get("type")
            if not isinstance(ptype, str) or ptype not in _TYPE_VI:
                self.r.err(
                    (*p, "type"),
                    f"kiểu tham số không hợp lệ {_show(ptype)}: " + ", ".join(_TYPE_VI),
                    "type",
                )
                continue
            value = self._param_value((*p, "value"), cast(ParamType, ptype), d.get("value"))
            unconfirmed = self.r.boolean((*p, "unconfirmed"), d.get("unconfirmed"))
            unit = self.r.text((*p, "unit"), d.get("unit"), required=False)
            dvi = self.r.text((*p, "description_vi"), d.get("description_vi")) or ""
            den = self.r.text((*p, "description_en"), d.get("description_en")) or ""
            if value is not None:
                self.params[name] = Param(
                    name, cast(ParamType, ptype), value, unit, dvi, den, unconfirmed
                )

    def _param_value(self, path: Path, ptype: ParamType, v: object) -> ParamValue | None:
        def bad() -> None:
            self.r.err(
                path,
                f"tham số có kiểu {_TYPE_VI[ptype]}, giá trị {_show(v)} là {describe_type(v)}",
                "type",
            )

        if ptype in ("string_list", "integer_list"):
            elem: FieldType = "string" if ptype == "string_list" else "integer"
            if (
                not isinstance(v, list)
                or not v
                or len(v) > MAX_LIST
                or not all(_literal_ok(elem, None, x) for x in v)
            ):
                bad()
                return None
            return tuple(v)
        if not _literal_ok(cast(FieldType, ptype), None, v):
            bad()
            return None
        return cast(ParamValue, v)

    def _titles(self, v: object) -> None:
        path: Path = ("titles",)
        m = self.r.table(path, v)
        if m is None:
            return
        for code, spec in m.items():
            p: Path = (*path, code)
            if not _TITLE_RE.match(code):
                self.r.err(
                    p, f"mã danh hiệu không hợp lệ '{code}' (chữ hoa, số, '_')", "type", at_key=True
                )
                continue
            d = self.r.mapping(
                p,
                spec,
                ("kind", "applies_to", "name_vi", "name_en"),
                ("thematic", "award_coefficient_param", "vote_ratio_param"),
            )
            if d is None:
                continue
            kind = d.get("kind")
            if kind not in ("title", "proposal"):
                self.r.err(
                    (*p, "kind"),
                    f"kind phải là title hoặc proposal, nhận được {_show(kind)}",
                    "type",
                )
                continue
            applies = self.r.applies((*p, "applies_to"), d.get("applies_to"))
            name_vi = self.r.text((*p, "name_vi"), d.get("name_vi"))
            name_en = self.r.text((*p, "name_en"), d.get("name_en"))
            thematic = self.r.boolean((*p, "thematic"), d.get("thematic"))
            refs: dict[str, str | None] = {}
            for key in ("award_coefficient_param", "vote_ratio_param"):
                ref = d.get(key)
                refs[key] = None
                if ref is None:
                    continue
                param = self.params.get(ref) if isinstance(ref, str) else None
                if param is None:
                    self.r.err(
                        (*p, key),
                        f"tham số không tồn tại {_show(ref)}{_suggest(str(ref), self.params)}",
                        "unknown-param",
                    )
                elif param.type not in ("number", "integer"):
                    self.r.err((*p, key), f"tham số '{ref}' phải là số", "type")
                else:
                    refs[key] = ref
            if applies is None or name_vi is None or name_en is None:
                continue
            self.titles[code] = Title(
                code,
                cast(TitleKind, kind),
                applies,
                name_vi,
                name_en,
                thematic,
                refs["award_coefficient_param"],
                refs["vote_ratio_param"],
            )

    # -- rules ----------------------------------------------------------------------------
    def _rules(self, v: object) -> list[Rule]:
        path: Path = ("rules",)
        if not isinstance(v, list):
            self.r.err(path, f"rules phải là một danh sách, nhận được {describe_type(v)}", "type")
            return []
        if not v:
            self.r.err(path, "rules không được rỗng", "empty")
        if len(v) > MAX_RULES:
            self.r.err(path, f"quá nhiều quy tắc (tối đa {MAX_RULES})", "size")
            return []
        out: list[Rule] = []
        seen: dict[str, int] = {}
        for i, item in enumerate(v):
            rule = self._rule((*path, i), item, i)
            if rule is None:
                continue
            if rule.id in seen:
                self.r.err(
                    (*path, i, "id"),
                    f"mã quy tắc '{rule.id}' bị trùng (đã dùng ở rules[{seen[rule.id]}])",
                    "duplicate-rule",
                )
                continue
            seen[rule.id] = i
            out.append(rule)
        return out

    def _rule(self, path: Path, v: object, position: int) -> Rule | None:
        d = self.r.mapping(
            path,
            v,
            ("id", "title_vi", "title_en", "legal_basis", "applies_to", "when", "outcome"),
            ("priority", "requires", "unconfirmed", "note"),
        )
        if d is None:
            return None
        n_issues = len(self.src.issues)
        rid = self.r.ident((*path, "id"), d.get("id"), _RULE_ID_RE, "chữ thường, số, '-' hoặc '_'")
        title_vi = self.r.text((*path, "title_vi"), d.get("title_vi"))
        title_en = self.r.text((*path, "title_en"), d.get("title_en"))
        legal = self.r.text((*path, "legal_basis"), d.get("legal_basis"))
        applies = self.r.applies((*path, "applies_to"), d.get("applies_to"))
        priority = self.r.integer((*path, "priority"), d.get("priority"), 100)
        unconfirmed = self.r.boolean((*path, "unconfirmed"), d.get("unconfirmed"))
        note = self.r.text((*path, "note"), d.get("note"), required=False)
        if unconfirmed and note is None and "note" not in d:
            self.r.err(
                (*path, "unconfirmed"),
                "quy tắc chưa xác nhận (unconfirmed: true) phải có note nói rõ điều gì chưa xác nhận",
                "missing-key",
            )
        outcome, target = self._outcome((*path, "outcome"), d.get("outcome"), applies)
        requires = self._requires((*path, "requires"), d.get("requires"), applies)
        when: Node | None = None
        leaves: list[Leaf] = []
        if "when" in d and applies is not None:
            when = self._cond((*path, "when"), d["when"], 0, False, applies, leaves)
            if len(leaves) > MAX_LEAVES:
                self.r.err((*path, "when"), f"quá nhiều điều kiện (tối đa {MAX_LEAVES})", "size")
        if len(self.src.issues) > n_issues or when is None or outcome is None:
            return None
        assert rid and title_vi and title_en and legal and applies is not None
        return Rule(
            id=rid,
            title_vi=title_vi,
            title_en=title_en,
            legal_basis=legal,
            applies_to=applies,
            when=when,
            outcome=outcome,
            target=target,
            requires=requires,
            priority=priority,
            unconfirmed=unconfirmed,
            note=note,
            position=position,
            leaves=tuple(leaves),
        )

    def _outcome(
        self, path: Path, v: object, applies: frozenset[Kind] | None
    ) -> tuple[OutcomeKind | None, str | None]:
        if v == "disqualify" or v == "hold":
            return v, None
        if isinstance(v, dict) and len(v) == 1:
            ((key, code),) = v.items()
            if key in ("grant", "propose"):
                title = self.titles.get(code) if isinstance(code, str) else None
                if title is None:
                    self.r.err(
                        (*path, key),
                        f"danh hiệu/hình thức chưa khai báo trong titles: {_show(code)}"
                        + _suggest(str(code), self.titles),
                        "unknown-title",
                    )
                    return None, None
                want = "title" if key == "grant" else "proposal"
                if title.kind != want:
                    self.r.err(
                        (*path, key),
                        f"'{code}' là {title.kind}: dùng "
                        + ("propose" if title.kind == "proposal" else "grant"),
                        "outcome-kind",
                    )
                    return None, None
                if applies is not None and not applies <= title.applies_to:
                    self.r.err(
                        (*path, key),
                        f"'{code}' không áp dụng cho "
                        + ", ".join(_KIND_VI[k] for k in sorted(applies - title.applies_to)),
                        "applies-to",
                    )
                    return None, None
                return cast(OutcomeKind, key), code
        self.r.err(
            path,
            f"outcome không hợp lệ {_show(v)}: dùng {{grant: TITLE}}, {{propose: FORM}}, disqualify hoặc hold",
            "outcome",
        )
        return None, None

    def _requires(self, path: Path, v: object, applies: frozenset[Kind] | None) -> tuple[str, ...]:
        if v is None:
            return ()
        if not isinstance(v, list) or not v or len(v) > MAX_LIST:
            self.r.err(path, "requires phải là danh sách mã danh hiệu không rỗng", "type")
            return ()
        out: list[str] = []
        for i, code in enumerate(v):
            if not isinstance(code, str) or code not in self.titles:
                self.r.err(
                    (*path, i),
                    f"requires: danh hiệu chưa khai báo {_show(code)}"
                    + _suggest(str(code), self.titles),
                    "unknown-title",
                )
            elif code in out:
                self.r.err((*path, i), f"requires: '{code}' bị lặp lại", "duplicate")
            else:
                out.append(code)
        return tuple(out)

    def _cond(
        self,
        path: Path,
        v: object,
        depth: int,
        negate: bool,
        applies: frozenset[Kind],
        leaves: list[Leaf],
    ) -> Node | None:
        if depth > MAX_COND_DEPTH:
            self.r.err(path, f"điều kiện lồng nhau quá sâu (tối đa {MAX_COND_DEPTH} cấp)", "depth")
            return None
        if not isinstance(v, dict):
            self.r.err(path, f"điều kiện phải là một ánh xạ, nhận được {describe_type(v)}", "type")
            return None
        groups = [k for k in ("all", "any", "not") if k in v]
        if groups:
            if len(v) != 1:
                self.r.err(
                    path,
                    "một nhóm điều kiện chỉ có đúng một khóa: all, any hoặc not",
                    "condition",
                )
                return None
            key = groups[0]
            if key == "not":
                return self._cond((*path, "not"), v["not"], depth + 1, not negate, applies, leaves)
            items = v[key]
            if not isinstance(items, list) or not items:
                self.r.err(
                    (*path, key), f"{key} phải là một danh sách điều kiện không rỗng", "condition"
                )
                return None
            if len(items) > MAX_LIST:
                self.r.err((*path, key), f"quá nhiều điều kiện (tối đa {MAX_LIST})", "size")
                return None
            children = [
                self._cond((*path, key, i), item, depth + 1, negate, applies, leaves)
                for i, item in enumerate(items)
            ]
            if any(c is None for c in children):
                return None
            mode = key if not negate else ("any" if key == "all" else "all")
            return Group(
                cast(Any, mode), tuple(c for c in children if c is not None), format_path(path[2:])
            )
        return self._leaf(path, v, negate, applies, leaves)

    def _leaf(
        self,
        path: Path,
        v: dict[str, Any],
        negate: bool,
        applies: frozenset[Kind],
        leaves: list[Leaf],
    ) -> Leaf | None:
        d = self.r.mapping(path, v, ("field", "op"), ("value", "param", "field_ref"))
        if d is None or "field" not in d or "op" not in d:
            return None
        fname = d["field"]
        spec = self.fields.get(fname) if isinstance(fname, str) else None
        if spec is None:
            self.r.err(
                (*path, "field"),
                f"trường chưa khai báo trong fact_schema: {_show(fname)}"
                + _suggest(str(fname), self.fields),
                "unknown-field",
            )
            return None
        if not applies <= spec.applies_to:
            self.r.err(
                (*path, "field"),
                f"trường '{fname}' không có cho "
                + ", ".join(_KIND_VI[k] for k in sorted(applies - spec.applies_to))
                + " (xem applies_to của quy tắc)",
                "applies-to",
            )
            return None
        op = d["op"]
        if op not in OPS:
            self.r.err(
                (*path, "op"),
                f"toán tử không hợp lệ {_show(op)}{_suggest(str(op), OPS)}; dùng: "
                + ", ".join(OPS),
                "unknown-op",
            )
            return None
        op = cast(Op, op)
        if op not in _OPS_FOR[spec.type]:
            self.r.err(
                (*path, "op"),
                f"toán tử '{op}' không dùng được với trường kiểu {_TYPE_VI[spec.type]} '{fname}'",
                "op-type",
            )
            return None
        sources = [k for k in ("value", "param", "field_ref") if k in d]
        if len(sources) != 1:
            self.r.err(path, "so sánh phải có đúng một trong: value, param, field_ref", "condition")
            return None
        src = sources[0]
        value: LeafValue = None
        param_name: str | None = None
        ref: str | None = None
        multi = op in ("in", "not_in")
        if src == "value":
            raw = d["value"]
            if multi:
                if not isinstance(raw, list) or not raw or len(raw) > MAX_LIST:
                    self.r.err(
                        (*path, "value"),
                        f"toán tử '{op}' cần một danh sách giá trị không rỗng",
                        "type",
                    )
                    return None
                for j, x in enumerate(raw):
                    if not _literal_ok(spec.type, spec.values, x):
                        self.r.err((*path, "value", j), _literal_problem(spec, x), "literal-type")
                        return None
                value = tuple(cast(list[Value], raw))
            else:
                if not _literal_ok(spec.type, spec.values, raw):
                    self.r.err((*path, "value"), _literal_problem(spec, raw), "literal-type")
                    return None
                value = cast(Value, raw)
        elif src == "param":
            pname = d["param"]
            param = self.params.get(pname) if isinstance(pname, str) else None
            if param is None:
                self.r.err(
                    (*path, "param"),
                    f"tham số không tồn tại: {_show(pname)}" + _suggest(str(pname), self.params),
                    "unknown-param",
                )
                return None
            pv = param.value
            if multi:
                elems = pv if isinstance(pv, tuple) else None
                ok = elems is not None and all(
                    _literal_ok(spec.type, spec.values, x) for x in elems
                )
            else:
                ok = not isinstance(pv, tuple) and _literal_ok(spec.type, spec.values, pv)
            if not ok:
                self.r.err(
                    (*path, "param"),
                    f"tham số '{pname}' ({_TYPE_VI[param.type]}, giá trị {_show(pv)}) "
                    f"không hợp với trường '{fname}' ({_TYPE_VI[spec.type]}) và toán tử '{op}'",
                    "param-type",
                )
                return None
            value = pv
            param_name = pname
        else:
            rname = d["field_ref"]
            rspec = self.fields.get(rname) if isinstance(rname, str) else None
            if rspec is None:
                self.r.err(
                    (*path, "field_ref"),
                    f"trường chưa khai báo trong fact_schema: {_show(rname)}"
                    + _suggest(str(rname), self.fields),
                    "unknown-field",
                )
                return None
            numeric = {"integer", "number"}
            compatible = (spec.type in numeric and rspec.type in numeric) or (
                spec.type == rspec.type and spec.values == rspec.values
            )
            if multi or not compatible or not applies <= rspec.applies_to:
                self.r.err(
                    (*path, "field_ref"),
                    f"không so sánh được '{fname}' ({_TYPE_VI[spec.type]}) với '{rname}' "
                    f"({_TYPE_VI[rspec.type]}) bằng '{op}' cho quy tắc này",
                    "field-ref",
                )
                return None
            ref = rname
        final_op = NEGATED[op] if negate else op
        leaf = Leaf(fname, final_op, value, param_name, ref, format_path(path[2:]), len(leaves))
        leaves.append(leaf)
        return leaf

    # -- whole-file analysis ----------------------------------------------------------------
    def _rule_path(self, rule: Rule) -> Path:
        return ("rules", rule.position)

    def _analyse(self, rules: list[Rule]) -> list[Rule]:
        granting: dict[str, list[Rule]] = {}
        for rule in rules:
            if rule.target is not None:
                granting.setdefault(rule.target, []).append(rule)
        # requires: declared-but-never-granted titles, and cycles
        for rule in rules:
            for code in rule.requires:
                if code == rule.target:
                    self.r.err(
                        (*self._rule_path(rule), "requires"),
                        f"quy tắc '{rule.id}' không thể yêu cầu chính '{code}'",
                        "cycle",
                    )
        order = self._topo(rules, granting)
        if self.src.issues:
            return rules
        # satisfiability per kind, then reachability of titles (fixpoint in topological order)
        sat: dict[tuple[str, Kind], str | None] = {}
        for rule in rules:
            for k in rule.applies_to:
                sat[(rule.id, k)] = _conflict(rule.when, k, self.fields)
        grantable: dict[Kind, set[str]] = {"individual": set(), "collective": set()}
        for rule in order:
            for k in rule.applies_to:
                if (
                    sat[(rule.id, k)] is None
                    and rule.target is not None
                    and all(c in grantable[k] for c in rule.requires)
                ):
                    grantable[k].add(rule.target)
        for rule in rules:
            reasons: list[str] = []
            possible = False
            for k in sorted(rule.applies_to):
                conflict = sat[(rule.id, k)]
                missing = [c for c in rule.requires if c not in grantable[k]]
                if conflict is None and not missing:
                    possible = True
                    break
                if conflict is not None:
                    reasons.append(f"với {_KIND_VI[k]}: {conflict}")
                else:
                    reasons.append(
                        f"với {_KIND_VI[k]}: cần "
                        + ", ".join(f"'{c}'" for c in missing)
                        + " nhưng không quy tắc nào có thể cấp"
                    )
            if not possible:
                self.r.err(
                    (*self._rule_path(rule), "when"),
                    f"quy tắc '{rule.id}' không bao giờ được áp dụng: " + "; ".join(reasons),
                    "never-fires",
                )
        return order

    def _topo(self, rules: list[Rule], granting: dict[str, list[Rule]]) -> list[Rule]:
        """Rules ordered so that every rule comes after the rules granting what it requires."""
        state: dict[str, int] = {}
        out: list[Rule] = []
        by_priority = sorted(rules, key=lambda r: (r.priority, r.position))

        def visit(rule: Rule, stack: list[str]) -> None:
            s = state.get(rule.id, 0)
            if s == 2:
                return
            if s == 1:
                cycle = " → ".join([*stack[stack.index(rule.id) :], rule.id])
                self.r.err(
                    (*self._rule_path(rule), "requires"),
                    f"requires tạo thành vòng lặp: {cycle}",
                    "cycle",
                )
                return
            state[rule.id] = 1
            for code in rule.requires:
                for dep in granting.get(code, []):
                    visit(dep, [*stack, rule.id])
            state[rule.id] = 2
            out.append(rule)

        for rule in by_priority:
            visit(rule, [])
        return out


# -- satisfiability of a condition tree (conjunctions of simple comparisons) -------------------
def _dnf(node: Node) -> list[list[Leaf]] | None:
    if isinstance(node, Leaf):
        return [[node]]
    parts = [_dnf(c) for c in node.children]
    if any(p is None for p in parts):
        return None
    sure = [p for p in parts if p is not None]
    if node.mode == "any":
        out = [conj for p in sure for conj in p]
        return out if len(out) <= MAX_DNF else None
    total = 1
    for p in sure:
        total *= len(p)
        if total > MAX_DNF:
            return None
    return [list(itertools.chain.from_iterable(combo)) for combo in itertools.product(*sure)]


def _fmt_leaf(leaf: Leaf) -> str:
    return f"{leaf.field} {_OP_SYM[leaf.op]} {_show(leaf.value)}"


def _conflict(node: Node, kind: Kind, fields: dict[str, FieldSpec]) -> str | None:
    """None if the condition can be true for `kind`; else a description of the contradiction."""
    dnf = _dnf(node)
    if dnf is None:
        return None  # too large to analyse: assume it can fire
    first: str | None = None
    for conj in dnf:
        c = _conj_conflict(conj, kind, fields)
        if c is None:
            return None
        first = first or c
    return first


def _inside(
    x: float,
    integer: bool,
    lo: float,
    lo_inc: bool,
    hi: float,
    hi_inc: bool,
    excluded: frozenset[float],
) -> bool:
    if integer and not float(x).is_integer():
        return False
    above = x > lo or (x == lo and lo_inc)
    below = x < hi or (x == hi and hi_inc)
    return above and below and x not in excluded


def _conj_conflict(conj: list[Leaf], kind: Kind, fields: dict[str, FieldSpec]) -> str | None:
    by_field: dict[str, list[Leaf]] = {}
    for leaf in conj:
        if leaf.field_ref is None:
            by_field.setdefault(leaf.field, []).append(leaf)
    for name, leaves in by_field.items():
        spec = fields[name]
        desc = " và ".join(_fmt_leaf(lf) for lf in leaves)
        if spec.type in ("string", "boolean"):
            domain: set[Value] = set(spec.values or ()) if spec.type == "string" else {True, False}
            if name == "kind":
                domain &= {kind}
            for lf in leaves:
                vals = set(lf.value) if isinstance(lf.value, tuple) else {cast(Value, lf.value)}
                if lf.op in ("eq", "in"):
                    domain &= vals
                else:
                    domain -= vals
            if not domain:
                return f"các điều kiện mâu thuẫn trên trường '{name}': {desc}"
            continue
        lo, lo_inc = (spec.minimum, True) if spec.minimum is not None else (-math.inf, True)
        hi, hi_inc = (spec.maximum, True) if spec.maximum is not None else (math.inf, True)
        excluded: set[float] = set()
        allowed: set[float] | None = None
        for lf in leaves:
            raw = lf.value
            if isinstance(raw, tuple):
                nums = {float(cast(float, x)) for x in raw}
                if lf.op == "in":
                    allowed = nums if allowed is None else allowed & nums
                else:
                    excluded |= nums
                continue
            x = float(cast(float, raw))
            if lf.op == "eq":
                allowed = {x} if allowed is None else allowed & {x}
            elif lf.op == "ne":
                excluded.add(x)
            elif lf.op in ("gt", "gte"):
                inc = lf.op == "gte"
                if x > lo or (x == lo and not inc):
                    lo, lo_inc = x, inc
            else:
                inc = lf.op == "lte"
                if x < hi or (x == hi and not inc):
                    hi, hi_inc = x, inc
        integer = spec.type == "integer"
        bounds = (integer, lo, lo_inc, hi, hi_inc, frozenset(excluded))
        if allowed is not None:
            ok = any(_inside(x, *bounds) for x in allowed)
        else:
            if integer:
                ilo = math.ceil(lo) if lo_inc else math.floor(lo) + 1
                ihi = math.floor(hi) if hi_inc else math.ceil(hi) - 1
                ok = ilo <= ihi and (
                    ihi - ilo + 1 > len(excluded)
                    or any(_inside(float(x), *bounds) for x in range(ilo, ihi + 1))
                )
            else:
                ok = lo < hi or (lo == hi and lo_inc and hi_inc and lo not in excluded)
        if not ok:
            rng = ""
            if spec.minimum is not None or spec.maximum is not None:
                rng = f" (miền giá trị {_show(spec.minimum)}..{_show(spec.maximum)})"
            return f"các điều kiện mâu thuẫn trên trường '{name}': {desc}{rng}"
    return None


def load_ruleset(file: str | FsPath, raw: bytes | str | None = None) -> Ruleset:
    """Load and validate one rules file; raise RulesFileError with every issue found."""
    name = str(file)
    if raw is None:
        try:
            fs = FsPath(file)
            size = fs.stat().st_size
            if size > 1_000_000:
                raise RulesFileError([Issue(name, 1, 1, f"tệp quá lớn ({size} byte)", "size")])
            raw = fs.read_bytes()
        except OSError as exc:
            raise RulesFileError(
                [Issue(name, 1, 1, f"không đọc được tệp: {exc.strerror}", "io")]
            ) from None
    src = read_yaml(name, raw)
    if src.issues:
        raise RulesFileError(src.issues)
    loader = _Loader(src)
    try:
        result = loader.load()
    except RecursionError:
        src.error((), "cấu trúc lồng nhau quá sâu", code="depth")
        result = None
    except Exception as exc:  # never crash the caller: report it, keep the type visible
        src.error((), f"lỗi nội bộ khi đọc tệp ({type(exc).__name__}: {exc})", code="internal")
        result = None
    if result is None or src.issues:
        if not src.issues:  # pragma: no cover - defensive
            src.error((), "tệp không hợp lệ", code="invalid")
        raise RulesFileError(src.issues)
    return result
