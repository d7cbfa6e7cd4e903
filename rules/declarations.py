"""The declarations a rules file's rules refer to: its fact schema, parameters and titles.

Each fact_schema entry must agree with the engine's catalogue (rules/catalogue.py: type, allowed
values, derived or not, kinds); a parameter's value must match its declared type; a title names
the parameters for its award coefficient and vote ratio, which must be numbers.
"""

from __future__ import annotations

import re
from typing import cast

from rules.catalogue import KIND_VI, KNOWN_FIELDS, FieldType
from rules.conditions import MAX_LIST, OPS_FOR, TYPE_VI, literal_ok
from rules.model import FieldSpec, Param, ParamType, ParamValue, Title, TitleKind
from rules.reader import Reader, describe_type, show, suggest
from rules.yamlsrc import Path

_TITLE_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
_PARAM_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class Declarations:
    """Reads the declaration sections into `fields`, `params` and `titles` (issues go to `r`)."""

    def __init__(self, r: Reader) -> None:
        self.r = r
        self.fields: dict[str, FieldSpec] = {}
        self.params: dict[str, Param] = {}
        self.titles: dict[str, Title] = {}

    def read_fact_schema(self, v: object) -> None:
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
                    f"trường '{name}' không được hệ thống cung cấp{suggest(name, KNOWN_FIELDS)}; "
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
            if not isinstance(ftype, str) or ftype not in OPS_FOR:
                self.r.err(
                    (*p, "type"),
                    f"kiểu không hợp lệ {show(ftype)}: integer, number, boolean hoặc string",
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
                            + ", ".join(KIND_VI[k] for k in sorted(known.applies_to)),
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

    def read_parameters(self, v: object) -> None:
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
            if not isinstance(ptype, str) or ptype not in TYPE_VI:
                self.r.err(
                    (*p, "type"),
                    f"kiểu tham số không hợp lệ {show(ptype)}: " + ", ".join(TYPE_VI),
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
                f"tham số có kiểu {TYPE_VI[ptype]}, giá trị {show(v)} là {describe_type(v)}",
                "type",
            )

        if ptype in ("string_list", "integer_list"):
            elem: FieldType = "string" if ptype == "string_list" else "integer"
            if (
                not isinstance(v, list)
                or not v
                or len(v) > MAX_LIST
                or not all(literal_ok(elem, None, x) for x in v)
            ):
                bad()
                return None
            return tuple(v)
        if not literal_ok(cast(FieldType, ptype), None, v):
            bad()
            return None
        return cast(ParamValue, v)

    def read_titles(self, v: object) -> None:
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
                    f"kind phải là title hoặc proposal, nhận được {show(kind)}",
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
                        f"tham số không tồn tại {show(ref)}{suggest(str(ref), self.params)}",
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
