"""Read and validate a rules file into a `Ruleset`, or raise RulesFileError listing every issue.

`load_ruleset` reads the YAML (syntax and limits: rules.yamlsrc), then the document: its
top-level keys and metadata, the declarations rules refer to (fact schema against the engine's
catalogue, parameters, titles: rules.declarations), and the rules (ids, outcomes and `requires`
against the declared titles, duplicate ids, and each `when`: rules.conditions). A file whose
parts are all valid is then analysed as a whole (`requires` cycles, rules that can never fire:
rules.analysis). Reading never stops at the first issue: every issue found is reported, each
at its line and column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path as FsPath
from typing import Any, cast

from rules.analysis import analyse
from rules.canonical import Encoding, sha256_hex
from rules.catalogue import KIND_VI, Kind
from rules.conditions import MAX_LIST, ConditionReader
from rules.declarations import Declarations
from rules.errors import Issue, RulesFileError
from rules.model import Leaf, Node, OutcomeKind, Rule, Ruleset
from rules.reader import Reader, describe_type, show, suggest
from rules.yamlsrc import MAX_FILE_BYTES, Path, Source, json_default, read_yaml

MAX_RULES = 500

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,31}$")
_RULE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")


def content_sha256(document: Mapping[str, Any]) -> str:
    """`Ruleset.sha256`: the parsed document in `Encoding.SORTED_JSON`, dates as ISO text.

    Kept on that encoding for good (stored pins and the seeded version reference these hashes);
    comments and layout of the YAML do not count.
    """
    return sha256_hex(document, Encoding.SORTED_JSON, default=json_default)


def load_ruleset(file: str | FsPath, raw: bytes | str | None = None) -> Ruleset:
    """Load and validate one rules file; raise RulesFileError with every issue found.

    With `raw`, that text is read instead of the file (`file` then only names it in messages).
    """
    name = str(file)
    if raw is None:
        try:
            fs = FsPath(file)
            size = fs.stat().st_size
            if size > MAX_FILE_BYTES:
                raise RulesFileError([Issue(name, 1, 1, f"tệp quá lớn ({size} byte)", "size")])
            raw = fs.read_bytes()
        except OSError as exc:
            raise RulesFileError(
                [Issue(name, 1, 1, f"không đọc được tệp: {exc.strerror}", "io")]
            ) from None
    src = read_yaml(name, raw)
    if src.issues:
        raise RulesFileError(src.issues)
    try:
        result = _Loader(src).load()
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


class _Loader:
    """One reading of a parsed document; issues accumulate in its Source."""

    def __init__(self, src: Source) -> None:
        self.src = src
        self.r = Reader(src)
        self.decl = Declarations(self.r)
        # reads against the declarations as they are filled in (the same dicts)
        self.conditions = ConditionReader(self.r, self.decl.fields, self.decl.params)

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
            ("effective_to", "notes"),
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
        notes = self.r.text(("notes",), top.get("notes"), required=False)
        self.decl.read_fact_schema(top.get("fact_schema"))
        self.decl.read_parameters(top.get("parameters"))
        self.decl.read_titles(top.get("titles"))
        rules = self._rules(top.get("rules"))
        if self.src.issues:
            return None
        rules = analyse(self.r, rules, self.decl.fields)
        if self.src.issues:
            return None
        assert rid and version and eff_from and legal and desc
        return Ruleset(
            id=rid,
            version=version,
            effective_from=eff_from,
            effective_to=eff_to,
            legal_basis=legal,
            description=desc,
            notes=notes,
            titles=self.decl.titles,
            fields=self.decl.fields,
            params=self.decl.params,
            rules=tuple(rules),
            sha256=content_sha256(top),
            raw=top,
        )

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
        requires = self._requires((*path, "requires"), d.get("requires"))
        when: Node | None = None
        leaves: tuple[Leaf, ...] = ()
        if "when" in d and applies is not None:
            when, leaves = self.conditions.when((*path, "when"), d["when"], applies)
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
            leaves=leaves,
        )

    def _outcome(
        self, path: Path, v: object, applies: frozenset[Kind] | None
    ) -> tuple[OutcomeKind | None, str | None]:
        if v == "disqualify" or v == "hold":
            return v, None
        if isinstance(v, dict) and len(v) == 1:
            ((key, code),) = v.items()
            if key in ("grant", "propose"):
                title = self.decl.titles.get(code) if isinstance(code, str) else None
                if title is None:
                    self.r.err(
                        (*path, key),
                        f"danh hiệu/hình thức chưa khai báo trong titles: {show(code)}"
                        + suggest(str(code), self.decl.titles),
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
                        + ", ".join(KIND_VI[k] for k in sorted(applies - title.applies_to)),
                        "applies-to",
                    )
                    return None, None
                return cast(OutcomeKind, key), code
        self.r.err(
            path,
            f"outcome không hợp lệ {show(v)}: dùng {{grant: TITLE}}, {{propose: FORM}}, disqualify hoặc hold",
            "outcome",
        )
        return None, None

    def _requires(self, path: Path, v: object) -> tuple[str, ...]:
        if v is None:
            return ()
        if not isinstance(v, list) or not v or len(v) > MAX_LIST:
            self.r.err(path, "requires phải là danh sách mã danh hiệu không rỗng", "type")
            return ()
        out: list[str] = []
        for i, code in enumerate(v):
            if not isinstance(code, str) or code not in self.decl.titles:
                self.r.err(
                    (*path, i),
                    f"requires: danh hiệu chưa khai báo {show(code)}"
                    + suggest(str(code), self.decl.titles),
                    "unknown-title",
                )
            elif code in out:
                self.r.err((*path, i), f"requires: '{code}' bị lặp lại", "duplicate")
            else:
                out.append(code)
        return tuple(out)
