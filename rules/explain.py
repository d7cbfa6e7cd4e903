"""Our own evaluation of a ruleset's condition trees, producing the per-condition "why (not)".

durable_rules only reports which rules fired; this module evaluates the same trees in Python to
explain every rule condition by condition. The engine checks on every evaluation that both agree.
Chaining: rules are evaluated in topological order of `requires`; a required title counts as held
when a rule granting (or proposing) it fired earlier in the same evaluation. It appears in the
trace as a condition on the pseudo-field `granted.<TITLE>`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rules.catalogue import KIND_VI, Value
from rules.decision import ConditionTrace, RuleOutcome, RuleTrace
from rules.model import NEGATED, OP_SYMBOLS, Group, Leaf, Node, Rule, Ruleset


def _in(a: Any, b: Any) -> bool:
    return a in b


def _not_in(a: Any, b: Any) -> bool:
    return a not in b


OP_FUNCS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
    "in": _in,
    "not_in": _not_in,
}
_NEG_SYM = {op: OP_SYMBOLS[neg] for op, neg in NEGATED.items()}  # how a failed comparison reads
_KIND_EN = {"individual": "individuals", "collective": "collectives"}
_MEMO_MAX = 4096  # entries per memo (failure texts per condition, traces and messages per rule)


Reason = tuple[str, str] | None  # (vi, en) explanation of a failure, None when it held
ReasonFn = Callable[[list[ConditionTrace]], Reason]


class Formatter:
    """Builds, once per ruleset, fast closures that explain why a condition tree failed.

    Public: ``label`` and ``value_fn`` are also how applications show a field's name and value
    the way the explanations do (the decision explorer, what-if).
    """

    def __init__(self, rs: Ruleset) -> None:
        self.rs = rs

    def value_fn(self, field: str, lang: str) -> Callable[[Any], str]:
        spec = self.rs.fields.get(field)
        yes, no = ("có", "không") if lang == "vi" else ("yes", "no")
        ratio = spec is not None and spec.unit == "ratio"
        comma = lang == "vi"

        def fmt(v: Any) -> str:
            if v is True:
                return yes
            if v is False:
                return no
            if isinstance(v, str):
                return v
            if isinstance(v, tuple | list):
                return "[" + ", ".join(fmt(x) for x in v) + "]"
            if ratio and isinstance(v, int | float):
                s = f"{float(v) * 100:.2f}".rstrip("0").rstrip(".") + "%"
                return s.replace(".", ",") if comma else s
            if isinstance(v, float):
                s = f"{v:.4f}".rstrip("0").rstrip(".")
                return s.replace(".", ",") if comma else s
            return str(v)

        return fmt

    def label(self, field: str, lang: str) -> str:
        spec = self.rs.fields.get(field)
        if spec is None:
            return field
        return spec.label_vi if lang == "vi" else spec.label_en

    def leaf_fn(self, leaf: Leaf) -> ReasonFn:
        idx = leaf.index
        spec = self.rs.fields.get(leaf.field)
        fv, fe = self.value_fn(leaf.field, "vi"), self.value_fn(leaf.field, "en")
        lv, le = self.label(leaf.field, "vi"), self.label(leaf.field, "en")
        if spec is not None and spec.type == "boolean" and leaf.field_ref is None:
            pv, pe = lv + ": ", le + ": "

            def boolean(conds: list[ConditionTrace]) -> Reason:
                t = conds[idx]
                if t["passed"]:
                    return None
                a = t["actual"]
                return (pv + fv(a), pe + fe(a))

            return boolean
        if leaf.field_ref is not None:
            rv, re_ = self.label(leaf.field_ref, "vi"), self.label(leaf.field_ref, "en")
            gv, ge = self.value_fn(leaf.field_ref, "vi"), self.value_fn(leaf.field_ref, "en")
            sym = _NEG_SYM[leaf.op]

            def ref(conds: list[ConditionTrace]) -> Reason:
                t = conds[idx]
                if t["passed"]:
                    return None
                a, e = t["actual"], t["expected"]
                return (
                    f"{lv} {fv(a)} {sym} {rv} {gv(e)}",
                    f"{le} {fe(a)} {sym} {re_} {ge(e)}",
                )

            return ref
        if leaf.op in ("in", "not_in"):
            items = leaf.value if isinstance(leaf.value, tuple) else ()
            ev = "[" + ", ".join(fv(x) for x in items) + "]"
            ee = "[" + ", ".join(fe(x) for x in items) + "]"
            wv, we = ("không thuộc", "not in") if leaf.op == "in" else ("thuộc", "in")
        else:
            wv = we = _NEG_SYM[leaf.op]
            ev, ee = fv(leaf.value), fe(leaf.value)
        tail_v, tail_e = f" {wv} {ev}", f" {we} {ee}"
        pv, pe = lv + " ", le + " "

        memo: dict[Any, tuple[str, str, Any]] = {}

        def plain(conds: list[ConditionTrace]) -> Reason:
            t = conds[idx]
            if t["passed"]:
                return None
            a = t["actual"]
            hit = memo.get(a)
            if hit is None or type(a) is not type(hit[2]):
                pair = (pv + fv(a) + tail_v, pe + fe(a) + tail_e)
                if len(memo) < _MEMO_MAX:
                    memo[a] = (*pair, a)
                return pair
            return hit[0], hit[1]

        return plain

    def node_fn(self, node: Node, nested: bool = False) -> ReasonFn:
        if isinstance(node, Leaf):
            return self.leaf_fn(node)
        children = [self.node_fn(c, True) for c in node.children]
        if node.mode == "all":

            def all_(conds: list[ConditionTrace]) -> Reason:
                failing = [r for r in (c(conds) for c in children) if r is not None]
                if not failing:
                    return None
                if len(failing) == 1:
                    return failing[0]
                return "; ".join(r[0] for r in failing), "; ".join(r[1] for r in failing)

            return all_
        wrap = nested and len(children) > 1

        def any_(conds: list[ConditionTrace]) -> Reason:
            parts: list[tuple[str, str]] = []
            for c in children:
                r = c(conds)
                if r is None:
                    return None
                parts.append(r)
            vi = " hoặc ".join(p[0] for p in parts)
            en = " or ".join(p[1] for p in parts)
            return (f"({vi})", f"({en})") if wrap else (vi, en)

        return any_


@dataclass(frozen=True, slots=True)
class _Plan:
    """A rule prepared for fast evaluation with traces."""

    rule: Rule
    leaves: tuple[
        tuple[str, str, Any, str | None, str | None, str, Callable[[Any, Any], bool]], ...
    ]
    combine: Callable[[list[bool]], bool]
    base: dict[str, Any]
    skipped: dict[str, tuple[str, str]]
    fired: tuple[str, str]
    reason: ReasonFn
    reason_nested: ReasonFn
    messages: dict[tuple[tuple[Any, Any], ...], tuple[str, str]]
    # The names whose values this rule's trace depends on (each leaf's field and field_ref).
    reads: tuple[str, ...]
    # Finished traces by (typed values read, requires held): see Explainer.explain.
    traces: dict[tuple[Any, ...], tuple[RuleTrace, bool]]


def _combiner(node: Node) -> Callable[[list[bool]], bool]:
    """A function of the leaves' results (in leaf order) giving the node's result."""
    if isinstance(node, Leaf):
        i = node.index

        def leaf(b: list[bool]) -> bool:
            return b[i]

        return leaf
    if all(isinstance(c, Leaf) for c in node.children):
        idx = [c.index for c in node.children if isinstance(c, Leaf)]
        lo, hi = idx[0], idx[-1] + 1
        if idx == list(range(lo, hi)):
            if node.mode == "all":
                return lambda b: all(b[lo:hi])
            return lambda b: any(b[lo:hi])
    parts = [_combiner(c) for c in node.children]
    if node.mode == "all":
        return lambda b: all(p(b) for p in parts)
    return lambda b: any(p(b) for p in parts)


class Explainer:
    """Evaluates a ruleset in Python with full traces. Pure: no durable_rules here."""

    def __init__(self, rs: Ruleset) -> None:
        self.rs = rs
        self.order = rs.rules  # topological order of `requires` (see Ruleset)
        self.display = sorted(self.order, key=lambda r: (r.priority, r.position))
        self.fmt = Formatter(rs)
        self._plans = [self._plan(r) for r in self.order]
        self.outcomes: dict[str, tuple[str, str | None]] = {
            r.id: (r.outcome, r.target) for r in self.order
        }

    def _plan(self, rule: Rule) -> _Plan:
        leaves = tuple(
            (lf.field, lf.op, lf.value, lf.param, lf.field_ref, lf.path, OP_FUNCS[lf.op])
            for lf in rule.leaves
        )
        base = {
            "id": rule.id,
            "title_vi": rule.title_vi,
            "title_en": rule.title_en,
            "legal_basis": rule.legal_basis,
            "unconfirmed": rule.unconfirmed,
            "note": rule.note,
            "kind": rule.outcome,
            "target": rule.target,
        }
        skipped = {
            k: (f"Không áp dụng cho {KIND_VI[k]}", f"Not applicable to {_KIND_EN[k]}")
            for k in ("individual", "collective")
        }
        return _Plan(
            rule=rule,
            leaves=leaves,
            combine=_combiner(rule.when),
            base=base,
            skipped=skipped,
            fired=self._fired_messages(rule),
            reason=self.fmt.node_fn(rule.when),
            reason_nested=self.fmt.node_fn(rule.when, True),
            messages={},
            reads=tuple(
                name for lf in rule.leaves for name in (lf.field, lf.field_ref) if name is not None
            ),
            traces={},
        )

    def verdicts(self, values: dict[str, Value]) -> set[str]:
        """Ids of the rules that fire (no traces): the fast path for agreement checks."""
        kind = values["kind"]
        granted: set[str] = set()
        fired: set[str] = set()
        for rule in self.order:
            if kind not in rule.applies_to:
                continue
            if _holds(rule.when, values) and all(c in granted for c in rule.requires):
                fired.add(rule.id)
                if rule.target is not None:
                    granted.add(rule.target)
        return fired

    def explain(self, values: dict[str, Value]) -> tuple[list[RuleTrace], set[str]]:
        """Every rule's trace (in display order) and the ids of the rules that fired.

        A rule's trace is a function of the values it reads and of which required titles are
        already granted, so finished traces are memoised per rule on exactly that key. The
        key pairs each value with its type: ``1``, ``1.0`` and ``True`` are equal in Python but
        not in the stored JSON, and a decision must reproduce byte for byte. Memoised traces
        are shared between decisions: they are read-only by contract (nothing in the service
        edits a trace; decisions are stored and compared as JSON).
        """
        kind: str = values["kind"]  # type: ignore[assignment]
        granted: set[str] = set()
        fired: set[str] = set()
        traces: dict[str, RuleTrace] = {}
        for plan in self._plans:
            rule = plan.rule
            if kind not in rule.applies_to:
                vi, en = plan.skipped[kind]
                traces[rule.id] = {
                    **plan.base,  # type: ignore[typeddict-item]
                    "outcome": "skipped",
                    "conditions": [],
                    "message_vi": vi,
                    "message_en": en,
                }
                continue
            read = [values[name] for name in plan.reads]
            key: tuple[Any, ...] | None = (
                tuple([(v.__class__, v) for v in read]),
                tuple([code in granted for code in rule.requires]),
            )
            try:
                hit = plan.traces.get(key)  # type: ignore[arg-type]
            except TypeError:  # an unhashable value (a list): no memo for this one
                key, hit = None, None
            if hit is None:
                hit = self._trace(plan, values, granted)
                if key is not None and len(plan.traces) < _MEMO_MAX:
                    plan.traces[key] = hit
            trace, ok = hit
            if ok:
                fired.add(rule.id)
                if rule.target is not None:
                    granted.add(rule.target)
            traces[rule.id] = trace
        return [traces[r.id] for r in self.display], fired

    def _trace(
        self, plan: _Plan, values: dict[str, Value], granted: set[str]
    ) -> tuple[RuleTrace, bool]:
        """One applicable rule's trace, and whether it fires."""
        rule = plan.rule
        conds: list[ConditionTrace] = []
        passed: list[bool] = []
        for field, op, value, param, ref, path, fn in plan.leaves:
            actual = values[field]
            expected = values[ref] if ref is not None else value
            ok_leaf = fn(actual, expected)
            passed.append(ok_leaf)
            conds.append(
                {
                    "field": field,
                    "operator": op,
                    "expected": expected,
                    "actual": actual,
                    "passed": ok_leaf,
                    "param": param,
                    "field_ref": ref,
                    "path": path,
                }
            )
        ok = plan.combine(passed)
        missing: list[str] = []
        for code in rule.requires:
            has = code in granted
            if not has:
                missing.append(code)
            conds.append(
                {
                    "field": f"granted.{code}",
                    "operator": "eq",
                    "expected": True,
                    "actual": has,
                    "passed": has,
                    "param": None,
                    "field_ref": None,
                    "path": "requires",
                }
            )
        fires = ok and not missing
        if fires:
            vi, en = plan.fired
            outcome: RuleOutcome = "fired"
        else:
            # the message depends only on the conditions' values: memoise it per rule
            key = tuple([(c["actual"], c["expected"]) for c in conds])
            msgs = plan.messages.get(key)
            if msgs is None:
                msgs = self._why_not(plan, conds, missing)
                if len(plan.messages) < _MEMO_MAX:
                    plan.messages[key] = msgs
            vi, en = msgs
            outcome = "not_fired"
        trace: RuleTrace = {
            **plan.base,  # type: ignore[typeddict-item]
            "outcome": outcome,
            "conditions": conds,
            "message_vi": vi,
            "message_en": en,
        }
        return trace, fires

    def _why_not(
        self, plan: _Plan, conds: list[ConditionTrace], missing: list[str]
    ) -> tuple[str, str]:
        rule = plan.rule
        titles = self.rs.titles
        reasons_vi: list[str] = [f"chưa đạt {titles[c].name_vi}" for c in missing]
        reasons_en: list[str] = [f"does not hold {titles[c].name_en}" for c in missing]
        if not plan.combine([c["passed"] for c in conds[: len(rule.leaves)]]):
            why = (plan.reason_nested if missing else plan.reason)(conds)
            if why is not None:
                reasons_vi.append(why[0])
                reasons_en.append(why[1])
        return self._not_fired_messages(rule, "; ".join(reasons_vi), "; ".join(reasons_en))

    def _fired_messages(self, rule: Rule) -> tuple[str, str]:
        if rule.outcome == "grant":
            t = self.rs.titles[rule.target or ""]
            return f"Đạt {t.name_vi}", f"Meets the criteria for {t.name_en}"
        if rule.outcome == "propose":
            t = self.rs.titles[rule.target or ""]
            return f"Đủ điều kiện đề nghị {t.name_vi}", f"Eligible to be proposed for {t.name_en}"
        if rule.outcome == "disqualify":
            return (
                f"Không xét khen thưởng: {rule.title_vi}",
                f"Not eligible for any title or form: {rule.title_en}",
            )
        return (
            f"Tạm dừng xét (không phải từ chối): {rule.title_vi}",
            f"On hold (not rejected): {rule.title_en}",
        )

    def _not_fired_messages(self, rule: Rule, why_vi: str, why_en: str) -> tuple[str, str]:
        if rule.outcome == "grant":
            t = self.rs.titles[rule.target or ""]
            return f"Không đạt {t.name_vi}: {why_vi}", f"Does not meet {t.name_en}: {why_en}"
        if rule.outcome == "propose":
            t = self.rs.titles[rule.target or ""]
            return (
                f"Chưa đủ điều kiện đề nghị {t.name_vi}: {why_vi}",
                f"Not eligible to be proposed for {t.name_en}: {why_en}",
            )
        return (
            f"Không thuộc trường hợp: {rule.title_vi} ({why_vi})",
            f"Does not apply: {rule.title_en} ({why_en})",
        )


def _holds(node: Node, values: dict[str, Value]) -> bool:
    if isinstance(node, Group):
        if node.mode == "all":
            return all(_holds(c, values) for c in node.children)
        return any(_holds(c, values) for c in node.children)
    expected = values[node.field_ref] if node.field_ref is not None else node.value
    return OP_FUNCS[node.op](values[node.field], expected)


def holds(node: Node, values: dict[str, Value]) -> bool:
    """Whether a rule's condition tree holds on ``values`` (its ``requires`` not included)."""
    return _holds(node, values)
