"""Reading a rule's `when`: condition trees (`all` / `any` / `not`) and their comparisons.

A comparison is `{field, op, value | param | field_ref}`; it is checked against the fact schema
(known field, applicable to the rule's kinds, operator allowed for the field's type, literal of
the field's type and among its allowed values, parameter or other field compatible). `not` is
pushed inwards while reading (De Morgan), so the tree holds only `all`/`any` groups and leaves
with the effective operator.
"""

from __future__ import annotations

import math
from typing import Any, cast

from rules.catalogue import KIND_VI, FieldType, Kind, Value
from rules.errors import format_path
from rules.model import NEGATED, OPS, FieldSpec, Group, Leaf, LeafValue, Node, Op, Param
from rules.reader import Reader, describe_type, show, suggest
from rules.yamlsrc import Path

MAX_COND_DEPTH = 12
MAX_LEAVES = 200
MAX_LIST = 100

TYPE_VI = {
    "integer": "số nguyên",
    "number": "số",
    "boolean": "true/false",
    "string": "chuỗi",
    "string_list": "danh sách chuỗi",
    "integer_list": "danh sách số nguyên",
}
OPS_FOR: dict[str, tuple[Op, ...]] = {
    "boolean": ("eq", "ne"),
    "string": ("eq", "ne", "in", "not_in"),
    "integer": OPS,
    "number": ("eq", "ne", "lt", "lte", "gt", "gte"),
}


def literal_ok(ftype: FieldType, values: tuple[str, ...] | None, v: object) -> bool:
    """Whether `v` is a literal of type `ftype` (and one of `values` when given)."""
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
            f"giá trị {show(v)} không thuộc các giá trị cho phép của trường '{spec.name}': "
            + ", ".join(spec.values)
            + suggest(v, spec.values)
        )
    return f"trường '{spec.name}' có kiểu {TYPE_VI[spec.type]}, giá trị {show(v)} là {describe_type(v)}"


class ConditionReader:
    """Reads condition trees against a file's declared fields and parameters."""

    def __init__(self, r: Reader, fields: dict[str, FieldSpec], params: dict[str, Param]) -> None:
        self.r = r
        self.fields = fields
        self.params = params

    def when(
        self, path: Path, v: object, applies: frozenset[Kind]
    ) -> tuple[Node | None, tuple[Leaf, ...]]:
        """The tree of a rule's `when` (None if it has issues) and its leaves in reading order."""
        leaves: list[Leaf] = []
        node = self._cond(path, v, 0, False, applies, leaves)
        if len(leaves) > MAX_LEAVES:
            self.r.err(path, f"quá nhiều điều kiện (tối đa {MAX_LEAVES})", "size")
        return node, tuple(leaves)

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
            return Group(cast(Any, mode), tuple(c for c in children if c is not None))
        return self._leaf(path, v, negate, applies, leaves)

    def _field(self, path: Path, name: object) -> FieldSpec | None:
        """The declared field `name`, or an unknown-field issue at `path`."""
        spec = self.fields.get(name) if isinstance(name, str) else None
        if spec is None:
            self.r.err(
                path,
                f"trường chưa khai báo trong fact_schema: {show(name)}"
                + suggest(str(name), self.fields),
                "unknown-field",
            )
        return spec

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
        spec = self._field((*path, "field"), fname)
        if spec is None:
            return None
        if not applies <= spec.applies_to:
            self.r.err(
                (*path, "field"),
                f"trường '{fname}' không có cho "
                + ", ".join(KIND_VI[k] for k in sorted(applies - spec.applies_to))
                + " (xem applies_to của quy tắc)",
                "applies-to",
            )
            return None
        op = d["op"]
        if op not in OPS:
            self.r.err(
                (*path, "op"),
                f"toán tử không hợp lệ {show(op)}{suggest(str(op), OPS)}; dùng: " + ", ".join(OPS),
                "unknown-op",
            )
            return None
        op = cast(Op, op)
        if op not in OPS_FOR[spec.type]:
            self.r.err(
                (*path, "op"),
                f"toán tử '{op}' không dùng được với trường kiểu {TYPE_VI[spec.type]} '{fname}'",
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
                    if not literal_ok(spec.type, spec.values, x):
                        self.r.err((*path, "value", j), _literal_problem(spec, x), "literal-type")
                        return None
                value = tuple(cast(list[Value], raw))
            else:
                if not literal_ok(spec.type, spec.values, raw):
                    self.r.err((*path, "value"), _literal_problem(spec, raw), "literal-type")
                    return None
                value = cast(Value, raw)
        elif src == "param":
            pname = d["param"]
            param = self.params.get(pname) if isinstance(pname, str) else None
            if param is None:
                self.r.err(
                    (*path, "param"),
                    f"tham số không tồn tại: {show(pname)}" + suggest(str(pname), self.params),
                    "unknown-param",
                )
                return None
            pv = param.value
            if multi:
                elems = pv if isinstance(pv, tuple) else None
                ok = elems is not None and all(literal_ok(spec.type, spec.values, x) for x in elems)
            else:
                ok = not isinstance(pv, tuple) and literal_ok(spec.type, spec.values, pv)
            if not ok:
                self.r.err(
                    (*path, "param"),
                    f"tham số '{pname}' ({TYPE_VI[param.type]}, giá trị {show(pv)}) "
                    f"không hợp với trường '{fname}' ({TYPE_VI[spec.type]}) và toán tử '{op}'",
                    "param-type",
                )
                return None
            value = pv
            param_name = pname
        else:
            rname = d["field_ref"]
            rspec = self._field((*path, "field_ref"), rname)
            if rspec is None:
                return None
            numeric = {"integer", "number"}
            compatible = (spec.type in numeric and rspec.type in numeric) or (
                spec.type == rspec.type and spec.values == rspec.values
            )
            if multi or not compatible or not applies <= rspec.applies_to:
                self.r.err(
                    (*path, "field_ref"),
                    f"không so sánh được '{fname}' ({TYPE_VI[spec.type]}) với '{rname}' "
                    f"({TYPE_VI[rspec.type]}) bằng '{op}' cho quy tắc này",
                    "field-ref",
                )
                return None
            ref = rname
        final_op = NEGATED[op] if negate else op
        leaf = Leaf(fname, final_op, value, param_name, ref, format_path(path[2:]), len(leaves))
        leaves.append(leaf)
        return leaf
