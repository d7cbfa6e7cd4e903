"""Whole-file analysis of the rules: `requires` cycles, and rules that can never fire.

A rule never fires for a kind when its condition is contradictory for that kind (no values of the
fields can satisfy one of its conjunctions: see `conflict`) or when it requires a title that no
rule can grant to that kind (reachability computed in topological order of `requires`). A rule
that can fire for none of its kinds is an issue. Conditions are analysed in disjunctive normal
form; a condition with more than MAX_DNF conjunctions is assumed satisfiable.
"""

from __future__ import annotations

import itertools
import math
from typing import cast

from rules.catalogue import KIND_VI, Kind, Value
from rules.model import OP_SYMBOLS, FieldSpec, Leaf, Node, Rule, granting
from rules.reader import Reader, show
from rules.yamlsrc import Path

MAX_DNF = 1024


def analyse(r: Reader, rules: list[Rule], fields: dict[str, FieldSpec]) -> list[Rule]:
    """The rules in topological order of `requires`; issues (cycles, never fires) go to `r`."""
    for rule in rules:
        for code in rule.requires:
            if code == rule.target:
                r.err(
                    (*_rule_path(rule), "requires"),
                    f"quy tắc '{rule.id}' không thể yêu cầu chính '{code}'",
                    "cycle",
                )
    order = _topo(r, rules, granting(rules))
    if r.src.issues:
        return rules
    # satisfiability per kind, then reachability of titles (fixpoint in topological order)
    sat: dict[tuple[str, Kind], str | None] = {}
    for rule in rules:
        for k in rule.applies_to:
            sat[(rule.id, k)] = conflict(rule.when, k, fields)
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
            why = sat[(rule.id, k)]
            missing = [c for c in rule.requires if c not in grantable[k]]
            if why is None and not missing:
                possible = True
                break
            if why is not None:
                reasons.append(f"với {KIND_VI[k]}: {why}")
            else:
                reasons.append(
                    f"với {KIND_VI[k]}: cần "
                    + ", ".join(f"'{c}'" for c in missing)
                    + " nhưng không quy tắc nào có thể cấp"
                )
        if not possible:
            r.err(
                (*_rule_path(rule), "when"),
                f"quy tắc '{rule.id}' không bao giờ được áp dụng: " + "; ".join(reasons),
                "never-fires",
            )
    return order


def _rule_path(rule: Rule) -> Path:
    return ("rules", rule.position)


def _topo(r: Reader, rules: list[Rule], grants: dict[str, list[Rule]]) -> list[Rule]:
    """Rules ordered so that every rule comes after the rules granting what it requires."""
    state: dict[str, int] = {}
    out: list[Rule] = []
    by_priority = sorted(rules, key=lambda rule: (rule.priority, rule.position))

    def visit(rule: Rule, stack: list[str]) -> None:
        s = state.get(rule.id, 0)
        if s == 2:
            return
        if s == 1:
            cycle = " → ".join([*stack[stack.index(rule.id) :], rule.id])
            r.err(
                (*_rule_path(rule), "requires"),
                f"requires tạo thành vòng lặp: {cycle}",
                "cycle",
            )
            return
        state[rule.id] = 1
        for code in rule.requires:
            for dep in grants.get(code, []):
                visit(dep, [*stack, rule.id])
        state[rule.id] = 2
        out.append(rule)

    for rule in by_priority:
        visit(rule, [])
    return out


# -- satisfiability of a condition tree (conjunctions of simple comparisons) -------------------
def conflict(node: Node, kind: Kind, fields: dict[str, FieldSpec]) -> str | None:
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
    return f"{leaf.field} {OP_SYMBOLS[leaf.op]} {show(leaf.value)}"


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
                rng = f" (miền giá trị {show(spec.minimum)}..{show(spec.maximum)})"
            return f"các điều kiện mâu thuẫn trên trường '{name}': {desc}{rng}"
    return None
