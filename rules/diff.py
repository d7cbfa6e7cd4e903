"""What changed between two versions of a rules file: metadata, parameters, titles, fields, rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from rules.canonical import Encoding, canonical_json
from rules.model import Ruleset
from rules.yamlsrc import json_default

ChangeKind = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class Change:
    """One difference. `section` is meta, parameter, title, field or rule."""

    section: str
    name: str
    kind: ChangeKind
    details: tuple[tuple[str, str, str], ...] = ()  # (key, old, new)

    def lines_vi(self) -> list[str]:
        label = _SECTION_VI[self.section]
        if self.kind == "added":
            head = f"+ thêm {label} '{self.name}'"
        elif self.kind == "removed":
            head = f"- bỏ {label} '{self.name}'"
        else:
            head = f"~ sửa {label} '{self.name}'"
        return [head] + [f"    {key}: {old} → {new}" for key, old, new in self.details]


_SECTION_VI = {
    "meta": "thông tin chung",
    "parameter": "tham số",
    "title": "danh hiệu",
    "field": "trường dữ liệu",
    "rule": "quy tắc",
}


def _json(v: object) -> str:
    """Parsed YAML as compact sorted JSON (the ruleset hash's encoding: equal iff equal content)."""
    return canonical_json(v, Encoding.SORTED_JSON, default=json_default)


def _show(v: object) -> str:
    if v is None:
        return "(không có)"
    if isinstance(v, str):
        return v
    return _json(v)


def _walk(path: str, a: Any, b: Any, out: list[tuple[str, str, str]]) -> None:
    """Leaf-level differences between two parsed YAML values (paths like when.all[2].value)."""
    if _json(a) == _json(b):
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            _walk(f"{path}.{key}" if path else str(key), a.get(key), b.get(key), out)
        return
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _walk(f"{path}[{i}]", x, y, out)
        return
    out.append((path, _show(a), _show(b)))


def _compare(old: dict[str, Any], new: dict[str, Any]) -> tuple[tuple[str, str, str], ...]:
    out: list[tuple[str, str, str]] = []
    _walk("", old, new, out)
    return tuple(out)


def _section(section: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    for name in old:
        if name not in new:
            changes.append(Change(section, name, "removed"))
        else:
            a, b = old[name], new[name]
            if isinstance(a, dict) and isinstance(b, dict):
                details = _compare(a, b)
            elif _json(a) != _json(b):
                details = (("value", _show(a), _show(b)),)
            else:
                details = ()
            if details:
                changes.append(Change(section, name, "changed", details))
    for name in new:
        if name not in old:
            changes.append(Change(section, name, "added"))
    return changes


def lineage_vi(old: Ruleset, new: Ruleset) -> str:
    """How the two files relate: two versions of one ruleset, or two different rulesets."""
    if old.id == new.id:
        return f"Hai phiên bản của bộ tiêu chí {old.id}: {old.version} → {new.version}."
    return (
        f"Hai bộ tiêu chí khác nhau ({old.id} và {new.id}), không phải hai phiên bản của cùng một "
        "bộ: danh hiệu, tham số và trường dữ liệu được so theo mã, quy tắc theo mã quy tắc."
    )


def summary_vi(changes: list[Change]) -> str:
    """`Tổng cộng N thay đổi: a thêm, b bỏ, c sửa.`"""
    counts = {kind: sum(1 for c in changes if c.kind == kind) for kind in _KIND_VI}
    parts = ", ".join(f"{n} {_KIND_VI[kind]}" for kind, n in counts.items() if n)
    return f"Tổng cộng {len(changes)} thay đổi: {parts}."


_KIND_VI: dict[ChangeKind, str] = {"added": "thêm", "removed": "bỏ", "changed": "sửa"}


def diff_rulesets(old: Ruleset, new: Ruleset) -> list[Change]:
    """Every change from `old` to `new`, rule by rule (rules are matched by id)."""
    a, b = old.raw, new.raw
    meta_keys = (
        "id",
        "version",
        "effective_from",
        "effective_to",
        "legal_basis",
        "description",
        "notes",
    )
    changes = _section("meta", {k: a.get(k) for k in meta_keys}, {k: b.get(k) for k in meta_keys})
    changes += _section("parameter", a.get("parameters", {}), b.get("parameters", {}))
    changes += _section("title", a.get("titles", {}), b.get("titles", {}))
    changes += _section("field", a.get("fact_schema", {}), b.get("fact_schema", {}))
    old_rules = {r["id"]: r for r in a.get("rules", [])}
    new_rules = {r["id"]: r for r in b.get("rules", [])}
    changes += _section("rule", old_rules, new_rules)
    return changes
