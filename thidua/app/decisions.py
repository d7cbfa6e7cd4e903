"""The decision explorer: search stored rules evaluations, open one, reproduce it exactly.

A *decision* is one stored evaluation: the facts snapshot a nomination was evaluated on, the
ruleset version (id, version, sha256) and the full explained result (every rule, every
condition with its actual and required value). Reproducing a decision re-evaluates the stored
snapshot with the stored version through the real engine (durable_rules and our explainer) and
compares :func:`decision_hash` of the stored and the new result.

``decision_hash`` is the SHA-256 of the canonical JSON of the whole result (``rules.canonical``),
in the encoding the evaluation records (``hash_encoding``: 1 for the evaluations stored before
RFC 8785, 2 since), so old decisions keep their hashes; both sides of a reproduction are hashed
with the stored decision's encoding. A round's appraisal stores no hash: its decisions are
hashed with JCS. The stored result has no timestamp or other non-deterministic part (the time of
evaluation is stored apart, not in the result), so nothing is excluded; ``as_of`` is an input of
the evaluation and is passed back to the engine as stored.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from rules.canonical import Encoding, sha256_hex
from rules.decision import RulesetRef
from rules.engine import RulesEngine
from rules.errors import EngineDisagreement, FactsError
from rules.explain import Formatter
from rules.loader import load_ruleset
from rules.registry import LoadedRuleset, RulesRegistry, UnknownRuleset
from thidua.app.evaluation_views import (
    ConditionView,
    DecisionDetail,
    DecisionPage,
    DecisionSummary,
    Reproduction,
    ReproductionSummary,
    RuleView,
)
from thidua.app.ports.evaluations import DecisionFilter, StoredDecision
from thidua.app.ports.uow import Tx
from thidua.domain.labels import ELIGIBILITY_LABEL_VI, OPERATOR_LABEL_VI, rule_outcome_label_vi
from thidua.domain.policy import can_read, visible_units
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor

# The filter and the views are defined with the port and in ``evaluation_views``; the entry
# points take them from here, with the use cases.
__all__ = [
    "ConditionView",
    "DecisionDetail",
    "DecisionFilter",
    "DecisionPage",
    "DecisionSummary",
    "Reproduction",
    "ReproductionSummary",
    "RuleView",
    "VersionResolver",
    "decision_hash",
    "diff_paths",
    "get_decision",
    "iter_decisions",
    "not_found",
    "reproduce_all",
    "reproduce_appraisals",
    "reproduce_decision",
    "rule_views",
    "search_decisions",
]

MAX_PAGE = 500
MAX_DIFFS = 50
BATCH = 200  # stored decisions read at a time when a filter is applied after reading


def not_found() -> Refusal:
    """The answer for a decision that does not exist or that the actor may not read."""
    return Refusal(RefusalCode.NOT_FOUND, "Không tìm thấy quyết định (lần xét tiêu chí).")


# ---- hashing -------------------------------------------------------------------------------


def decision_hash(result: dict[str, Any], encoding: Encoding = Encoding.JCS) -> str:
    """SHA-256 of the canonical JSON of an explained result (nothing excluded: see module doc)."""
    return sha256_hex(result, encoding)


def diff_paths(old: Any, new: Any, path: str = "", limit: int = MAX_DIFFS) -> list[str]:
    """Where two JSON values differ, as ``rules[3].conditions[1].actual: 0.7 → 0.8`` lines."""
    out: list[str] = []
    _diff(old, new, path, out, limit)
    return out


def _diff(a: Any, b: Any, path: str, out: list[str], limit: int) -> None:
    if len(out) >= limit:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            sub = f"{path}.{k}" if path else str(k)
            if k not in a:
                out.append(f"{sub}: (không có) → {_short(b[k])}")
            elif k not in b:
                out.append(f"{sub}: {_short(a[k])} → (không có)")
            else:
                _diff(a[k], b[k], sub, out, limit)
            if len(out) >= limit:
                return
        return
    if isinstance(a, list) and isinstance(b, list):
        for i in range(max(len(a), len(b))):
            sub = f"{path}[{i}]"
            if i >= len(a):
                out.append(f"{sub}: (không có) → {_short(b[i])}")
            elif i >= len(b):
                out.append(f"{sub}: {_short(a[i])} → (không có)")
            else:
                _diff(a[i], b[i], sub, out, limit)
            if len(out) >= limit:
                return
        return
    if a != b or type(a) is not type(b):
        out.append(f"{path or '(gốc)'}: {_short(a)} → {_short(b)}")


def _short(v: Any) -> str:
    text = json.dumps(v, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


# ---- resolving a stored version ---------------------------------------------------------------


@dataclass
class VersionResolver:
    """Finds a ruleset version by id and version (memoised per resolver).

    Versions come from the database (``rules_versions``), else from the shipped files
    (``registry``, read on first need when not given): a version only shipped as a file.
    """

    registry: RulesRegistry | None = None

    def __post_init__(self) -> None:
        self._cache: dict[tuple[str, str], LoadedRuleset] = {}

    def get(self, tx: Tx, ruleset_id: str, version: str) -> LoadedRuleset:
        key = (ruleset_id, version)
        found = self._cache.get(key)
        if found is None:
            found = self._lookup(tx, ruleset_id, version)
            self._cache[key] = found
        return found

    def _lookup(self, tx: Tx, ruleset_id: str, version: str) -> LoadedRuleset:
        stored = tx.rules_versions.get(ruleset_id, version)
        if stored is not None:
            return LoadedRuleset(load_ruleset(stored.name, stored.content))
        if self.registry is None:
            self.registry = RulesRegistry.from_directory()
        return self.registry.get(ruleset_id, version)


# ---- queries -------------------------------------------------------------------------------


def _rule_matches(result: dict[str, Any], rule: str, outcome: str) -> bool:
    return any(r.get("id") == rule and r.get("outcome") == outcome for r in result.get("rules", []))


def _summary(d: StoredDecision) -> dict[str, Any]:
    return {
        "id": d.id,
        "nomination": d.nomination,
        "movement": d.movement,
        "year": d.year,
        "unit": d.unit,
        "kind": d.kind,
        "nominee_code": d.nominee_code,
        "nominee_name": d.nominee_name,
        "phase": d.phase,
        "ruleset": _ref(d),
        "status": d.status,
        "status_vi": ELIGIBILITY_LABEL_VI.get(d.status, d.status),
        "titles": d.titles,
        "proposals": d.proposals,
        "evaluated_at": d.evaluated_at,
    }


def _ref(d: StoredDecision) -> RulesetRef:
    return RulesetRef(id=d.ruleset_id, version=d.ruleset_version, sha256=d.ruleset_sha256)


def search_decisions(
    tx: Tx,
    actor: Actor,
    f: DecisionFilter,
    *,
    limit: int = 100,
    after_id: int | None = None,
) -> DecisionPage:
    """One page of decisions, oldest first, visible to ``actor`` (unit-scoped roles: own units)."""
    limit = max(1, min(limit, MAX_PAGE))
    scope = visible_units(actor)
    items: list[DecisionSummary] = []
    batch = limit + 1 if not f.rule else max(BATCH, limit + 1)
    offset_id = after_id or None
    while True:
        rows = tx.evaluations.decisions(scope, f, after_id=offset_id, limit=batch)
        for d in rows:
            offset_id = d.id
            if f.rule and not _rule_matches(d.result, f.rule, f.rule_outcome):
                continue
            if len(items) == limit:
                return DecisionPage(items=items, next_cursor=items[-1].id)
            items.append(DecisionSummary(**_summary(d)))
        if len(rows) < batch:
            return DecisionPage(items=items, next_cursor=None)


def iter_decisions(tx: Tx, actor: Actor, f: DecisionFilter) -> Iterator[StoredDecision]:
    """Every visible decision matching ``f`` (all pages)."""
    scope = visible_units(actor)
    after: int | None = None
    while True:
        rows = tx.evaluations.decisions(scope, f, after_id=after, limit=BATCH)
        for d in rows:
            after = d.id
            if f.rule and not _rule_matches(d.result, f.rule, f.rule_outcome):
                continue
            yield d
        if len(rows) < BATCH:
            return


def _load(tx: Tx, actor: Actor, evaluation_id: int) -> StoredDecision:
    d = tx.evaluations.decision(visible_units(actor), evaluation_id)
    if d is None:
        raise not_found()
    if not can_read(actor, d.unit):  # pragma: no cover - the store already scopes
        raise not_found()
    return d


# ---- one decision, explained ----------------------------------------------------------------


def _condition_views(
    rule: dict[str, Any], fmt: Formatter | None, titles_vi: dict[str, str]
) -> list[ConditionView]:
    out: list[ConditionView] = []
    for c in rule.get("conditions", []):
        field = str(c.get("field", ""))
        show: Callable[[Any], str]
        ref_show: Callable[[Any], str]
        if field.startswith("granted."):
            code = field.split(".", 1)[1]
            label = f"đã đạt {titles_vi.get(code, code)}"
            show = ref_show = _plain
        elif fmt is not None:
            label = fmt.label(field, "vi")
            show = fmt.value_fn(field, "vi")
            ref = c.get("field_ref")
            ref_show = fmt.value_fn(ref, "vi") if ref else show
        else:
            label, show, ref_show = field, _plain, _plain
        ref = c.get("field_ref")
        expected_vi = ref_show(c.get("expected"))
        if ref and fmt is not None:
            expected_vi = f"{fmt.label(ref, 'vi')} ({expected_vi})"
        op = str(c.get("operator", ""))
        out.append(
            ConditionView(
                field=field,
                label_vi=label,
                operator=op,
                operator_vi=OPERATOR_LABEL_VI.get(op, op),
                expected=c.get("expected"),
                expected_vi=expected_vi,
                actual=c.get("actual"),
                actual_vi=show(c.get("actual")),
                passed=bool(c.get("passed")),
                param=c.get("param"),
                path=str(c.get("path", "")),
            )
        )
    return out


def _plain(v: Any) -> str:
    if v is True:
        return "có"
    if v is False:
        return "không"
    if isinstance(v, list):
        return "[" + ", ".join(_plain(x) for x in v) + "]"
    return str(v)


def rule_views(result: dict[str, Any], lr: LoadedRuleset | None) -> list[RuleView]:
    fmt = Formatter(lr.ruleset) if lr is not None else None
    titles_vi = {code: t.name_vi for code, t in lr.titles.items()} if lr is not None else {}
    views: list[RuleView] = []
    for r in result.get("rules", []):
        outcome = str(r.get("outcome", ""))
        kind = str(r.get("kind", ""))
        views.append(
            RuleView(
                id=str(r.get("id", "")),
                title_vi=str(r.get("title_vi", "")),
                kind=kind,
                target=r.get("target"),
                outcome=outcome,
                outcome_vi=rule_outcome_label_vi(kind, outcome),
                message_vi=str(r.get("message_vi", "")),
                unconfirmed=bool(r.get("unconfirmed")),
                legal_basis=str(r.get("legal_basis", "")),
                conditions=_condition_views(r, fmt, titles_vi),
            )
        )
    return views


def get_decision(
    tx: Tx, actor: Actor, evaluation_id: int, resolver: VersionResolver | None = None
) -> DecisionDetail:
    """One decision with its snapshot and every rule and condition (labels in Vietnamese)."""
    d = _load(tx, actor, evaluation_id)
    resolver = resolver or VersionResolver()
    try:
        lr: LoadedRuleset | None = resolver.get(tx, d.ruleset_id, d.ruleset_version)
    except UnknownRuleset:
        lr = None  # still show the stored trace, with field names instead of labels
    result = d.result
    return DecisionDetail(
        **_summary(d),
        withheld=list(result.get("withheld", [])),
        as_of=result.get("as_of"),
        facts=d.facts,
        derived=dict(result.get("derived", {})),
        rules=rule_views(result, lr),
        decision_hash=decision_hash(result, d.hash_encoding),
    )


# ---- reproduction -----------------------------------------------------------------------------


def _reproduce(
    tx: Tx,
    stored: dict[str, Any],
    facts: dict[str, Any],
    ref: RulesetRef,
    encoding: Encoding,
    engine: RulesEngine,
    resolver: VersionResolver,
    **where: Any,
) -> Reproduction:
    stored_hash = decision_hash(stored, encoding)
    base = {**where, "ruleset": ref, "stored_hash": stored_hash}
    try:
        lr = resolver.get(tx, ref.id, ref.version)
    except UnknownRuleset as exc:
        return Reproduction(
            **base, identical=False, reproduced_hash=None, sha256_matches=False, problem_vi=str(exc)
        )
    if lr.sha256 != ref.sha256:
        return Reproduction(
            **base,
            identical=False,
            reproduced_hash=None,
            sha256_matches=False,
            problem_vi=(
                f"nội dung phiên bản {ref.id}@{ref.version} đã khác lúc xét "
                f"(sha256 lưu {ref.sha256[:12]}…, hiện có {lr.sha256[:12]}…)"
            ),
        )
    as_of_raw = stored.get("as_of")
    try:
        as_of = dt.date.fromisoformat(as_of_raw) if isinstance(as_of_raw, str) else None
        decision = engine.evaluate_many([facts], ruleset=lr, as_of=as_of)[0]
    except (FactsError, EngineDisagreement, ValueError) as exc:
        return Reproduction(
            **base,
            identical=False,
            reproduced_hash=None,
            sha256_matches=True,
            problem_vi=f"không xét lại được: {exc}",
        )
    # the same JSON round trip the stored result went through
    new = json.loads(json.dumps(decision.model_dump(mode="json"), ensure_ascii=False))
    new_hash = decision_hash(new, encoding)
    identical = new_hash == stored_hash
    return Reproduction(
        **base,
        identical=identical,
        reproduced_hash=new_hash,
        sha256_matches=True,
        differences=[] if identical else diff_paths(stored, new),
    )


def _reproduce_stored(
    tx: Tx, d: StoredDecision, engine: RulesEngine, resolver: VersionResolver
) -> Reproduction:
    return _reproduce(
        tx,
        d.result,
        d.facts,
        _ref(d),
        d.hash_encoding,
        engine,
        resolver,
        id=d.id,
        nomination=d.nomination,
    )


def reproduce_decision(
    tx: Tx,
    actor: Actor,
    evaluation_id: int,
    engine: RulesEngine,
    resolver: VersionResolver | None = None,
) -> Reproduction:
    """Re-evaluate the stored snapshot with the stored version; identical iff the hashes match."""
    d = _load(tx, actor, evaluation_id)
    return _reproduce_stored(tx, d, engine, resolver or VersionResolver())


def reproduce_all(
    tx: Tx,
    actor: Actor,
    f: DecisionFilter,
    engine: RulesEngine,
    resolver: VersionResolver | None = None,
) -> ReproductionSummary:
    """Reproduce every visible decision matching ``f``; list the ones that differ."""
    resolver = resolver or VersionResolver()
    total = identical = 0
    different: list[Reproduction] = []
    for d in iter_decisions(tx, actor, f):
        rep = _reproduce_stored(tx, d, engine, resolver)
        total += 1
        if rep.identical:
            identical += 1
        else:
            different.append(rep)
    return ReproductionSummary(total=total, identical=identical, different=different)


def reproduce_appraisals(
    tx: Tx,
    actor: Actor,
    f: DecisionFilter,
    engine: RulesEngine,
    resolver: VersionResolver | None = None,
) -> ReproductionSummary:
    """Reproduce the decisions stored in rounds' appraisals (the facts the Office used there,
    e.g. collectives recomputed from their members' outcomes); unit roles: their units only.
    They were never stored with a hash: both sides are hashed with JCS."""
    resolver = resolver or VersionResolver()
    total = identical = 0
    different: list[Reproduction] = []
    for appraisal in tx.evaluations.appraisals(movement=f.movement, year=f.year):
        for item in appraisal.results:
            stored = item.get("decision")
            unit = str(item.get("unit", ""))
            if not stored or not can_read(actor, unit) or (f.unit and unit != f.unit):
                continue
            if f.kind and item.get("kind") != f.kind:
                continue
            rep = _reproduce(
                tx,
                stored,
                item.get("facts_used") or {},
                RulesetRef(**stored["ruleset"]),
                Encoding.JCS,
                engine,
                resolver,
                id=None,
                source="appraisal",
                round=appraisal.round,
                nomination=str(item.get("key", "")),
            )
            total += 1
            if rep.identical:
                identical += 1
            else:
                different.append(rep)
    return ReproductionSummary(total=total, identical=identical, different=different)
