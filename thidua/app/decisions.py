"""The decision explorer: search stored rules evaluations, open one, reproduce it exactly.

A *decision* is one row of ``evaluations``: the facts snapshot a nomination was evaluated on, the
ruleset version (id, version, sha256) and the full explained result (every rule, every
condition with its actual and required value). Reproducing a decision re-evaluates the stored
snapshot with the stored version through the real engine (durable_rules and our explainer) and
compares :func:`decision_hash` of the stored and the new result.

``decision_hash`` is the SHA-256 of the canonical JSON of the whole result (sorted keys, no
whitespace, UTF-8). The stored result has no timestamp or other non-deterministic part (the time
of evaluation is the separate ``evaluated_at`` column, not part of the result), so nothing is
excluded; ``as_of`` is an input of the evaluation and is passed back to the engine as stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import Select, String, cast, select
from sqlalchemy.orm import Session

from rules.engine import RulesEngine
from rules.errors import EngineDisagreement, FactsError
from rules.explain import _Formatter
from rules.registry import LoadedRuleset, RulesRegistry, UnknownRuleset
from thidua.adapters.db.models import EvaluationRow, MovementRow, NominationRow, RoundRow, UnitRow
from thidua.domain.policy import can_read
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import UNIT_SCOPED_ROLES, Actor

STATUS_VI = {
    "eligible": "Đủ điều kiện",
    "not_eligible": "Không đủ điều kiện",
    "on_hold": "Tạm dừng xét",
}
OUTCOME_VI = {"fired": "Đạt / áp dụng", "not_fired": "Không đạt", "skipped": "Không áp dụng"}
KIND_VI = {"individual": "cá nhân", "collective": "tập thể"}
OP_VI = {
    "eq": "=",
    "ne": "≠",
    "lt": "<",
    "lte": "≤",
    "gt": ">",
    "gte": "≥",
    "in": "thuộc",
    "not_in": "không thuộc",
}
MAX_PAGE = 500
MAX_DIFFS = 50


class DecisionNotFound(Refusal):
    def __init__(self) -> None:
        super().__init__(RefusalCode.NOT_FOUND, "Không tìm thấy quyết định (lần xét tiêu chí).")


# ---- hashing -------------------------------------------------------------------------------


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text, no NaN: the same value always gives the same text."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def decision_hash(result: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of an explained result (nothing excluded: see module doc)."""
    return hashlib.sha256(canonical_json(result).encode("utf-8")).hexdigest()


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

    Versions come from the database (``rules_versions``), else from the on-disk registry (a
    version only shipped as a file).
    """

    registry: RulesRegistry | None = None

    def __post_init__(self) -> None:
        self._cache: dict[tuple[str, str], LoadedRuleset] = {}

    def get(self, session: Session, ruleset_id: str, version: str) -> LoadedRuleset:
        key = (ruleset_id, version)
        found = self._cache.get(key)
        if found is None:
            found = self._lookup(session, ruleset_id, version)
            self._cache[key] = found
        return found

    def _lookup(self, session: Session, ruleset_id: str, version: str) -> LoadedRuleset:
        from thidua.app import rules_versions

        try:
            rs, _golden = rules_versions.get_version(session, ruleset_id, version)
            return LoadedRuleset(rs)
        except rules_versions.RulesVersionError as exc:
            if exc.code != "not_found":
                raise
        if self.registry is None:
            self.registry = RulesRegistry.from_directory()
        return self.registry.get(ruleset_id, version)


# ---- views ---------------------------------------------------------------------------------


class RulesetRefView(BaseModel):
    id: str
    version: str
    sha256: str


class DecisionSummary(BaseModel):
    id: int
    nomination: str
    movement: str
    year: int
    unit: str
    kind: str
    nominee_code: str
    nominee_name: str
    phase: str
    ruleset: RulesetRefView
    status: str
    status_vi: str
    titles: list[str]
    proposals: list[str]
    evaluated_at: dt.datetime


class DecisionPage(BaseModel):
    items: list[DecisionSummary]
    next_cursor: int | None


class ConditionView(BaseModel):
    field: str
    label_vi: str
    operator: str
    operator_vi: str
    expected: Any
    expected_vi: str
    actual: Any
    actual_vi: str
    passed: bool
    param: str | None
    path: str


class RuleView(BaseModel):
    id: str
    title_vi: str
    kind: str
    target: str | None
    outcome: str
    outcome_vi: str
    message_vi: str
    unconfirmed: bool
    legal_basis: str
    conditions: list[ConditionView]


class DecisionDetail(DecisionSummary):
    withheld: list[str]
    as_of: str | None
    facts: dict[str, Any]
    derived: dict[str, Any]
    rules: list[RuleView]
    decision_hash: str


class Reproduction(BaseModel):
    id: int | None = Field(description="Số lần xét (evaluations); trống với quyết định của đợt xét")
    source: Literal["evaluation", "appraisal"] = "evaluation"
    round: str | None = Field(default=None, description="Đợt xét (quyết định khi thẩm định đợt)")
    nomination: str
    ruleset: RulesetRefView
    identical: bool
    stored_hash: str
    reproduced_hash: str | None
    sha256_matches: bool
    problem_vi: str | None = None
    differences: list[str] = []


class ReproductionSummary(BaseModel):
    total: int
    identical: int
    different: list[Reproduction]


@dataclass(frozen=True)
class DecisionFilter:
    movement: str | None = None
    unit: str | None = None
    year: int | None = None
    kind: str | None = None
    title: str | None = None
    rule: str | None = None
    rule_outcome: str = "fired"
    outcome: str | None = None
    ruleset_id: str | None = None
    version: str | None = None
    nomination: str | None = None
    phase: str | None = None


# ---- queries -------------------------------------------------------------------------------


def _query(actor: Actor, f: DecisionFilter) -> Select[EvaluationRow, NominationRow, str, str]:
    q = (
        select(EvaluationRow, NominationRow, UnitRow.code, MovementRow.code)
        .join(NominationRow, NominationRow.id == EvaluationRow.nomination_id)
        .join(UnitRow, UnitRow.id == NominationRow.unit_id)
        .join(MovementRow, MovementRow.id == NominationRow.movement_id)
    )
    if actor.role in UNIT_SCOPED_ROLES:
        q = q.where(UnitRow.code.in_(actor.units or ("",)))
    if f.movement:
        q = q.where(MovementRow.code == f.movement)
    if f.unit:
        q = q.where(UnitRow.code == f.unit)
    if f.year:
        q = q.where(NominationRow.year == f.year)
    if f.kind:
        q = q.where(NominationRow.kind == f.kind)
    if f.nomination:
        q = q.where(NominationRow.key == f.nomination)
    if f.phase:
        q = q.where(EvaluationRow.phase == f.phase)
    if f.outcome:
        q = q.where(EvaluationRow.status == f.outcome)
    if f.ruleset_id:
        q = q.where(EvaluationRow.ruleset_id == f.ruleset_id)
    if f.version:
        q = q.where(EvaluationRow.ruleset_version == f.version)
    if f.title:
        needle = f'%"{f.title}"%'  # titles/proposals are JSON lists of codes
        q = q.where(
            cast(EvaluationRow.titles, String).like(needle)
            | cast(EvaluationRow.proposals, String).like(needle)
        )
    return q


def _rule_matches(result: dict[str, Any], rule: str, outcome: str) -> bool:
    return any(r.get("id") == rule and r.get("outcome") == outcome for r in result.get("rules", []))


def _summary(ev: EvaluationRow, nom: NominationRow, unit: str, movement: str) -> dict[str, Any]:
    at = ev.evaluated_at if ev.evaluated_at.tzinfo else ev.evaluated_at.replace(tzinfo=dt.UTC)
    return {
        "id": ev.id,
        "nomination": nom.key,
        "movement": movement,
        "year": nom.year,
        "unit": unit,
        "kind": nom.kind,
        "nominee_code": nom.nominee_code,
        "nominee_name": nom.nominee_name,
        "phase": ev.phase,
        "ruleset": RulesetRefView(
            id=ev.ruleset_id, version=ev.ruleset_version, sha256=ev.ruleset_sha256
        ),
        "status": ev.status,
        "status_vi": STATUS_VI.get(ev.status, ev.status),
        "titles": list(ev.titles or []),
        "proposals": list(ev.proposals or []),
        "evaluated_at": at,
    }


def search_decisions(
    session: Session,
    actor: Actor,
    f: DecisionFilter,
    *,
    limit: int = 100,
    after_id: int | None = None,
) -> DecisionPage:
    """One page of decisions, oldest first, visible to ``actor`` (unit-scoped roles: own units)."""
    limit = max(1, min(limit, MAX_PAGE))
    q = _query(actor, f)
    if after_id:
        q = q.where(EvaluationRow.id > after_id)
    q = q.order_by(EvaluationRow.id)
    items: list[DecisionSummary] = []
    last_scanned: int | None = None
    batch = limit + 1 if not f.rule else max(200, limit + 1)
    offset_id = after_id
    while True:
        page_q = q if offset_id is None else q.where(EvaluationRow.id > offset_id)
        rows = session.execute(page_q.limit(batch)).all()
        for ev, nom, unit, movement in rows:
            last_scanned = ev.id
            if f.rule and not _rule_matches(ev.result or {}, f.rule, f.rule_outcome):
                continue
            if len(items) == limit:
                return DecisionPage(items=items, next_cursor=items[-1].id)
            items.append(DecisionSummary(**_summary(ev, nom, unit, movement)))
        if len(rows) < batch:
            return DecisionPage(items=items, next_cursor=None)
        offset_id = last_scanned


def iter_decisions(session: Session, actor: Actor, f: DecisionFilter) -> Iterator[EvaluationRow]:
    """Every visible decision matching ``f`` (all pages)."""
    after: int | None = None
    while True:
        q = _query(actor, f).order_by(EvaluationRow.id).limit(200)
        if after is not None:
            q = q.where(EvaluationRow.id > after)
        rows = session.execute(q).all()
        for ev, *_ in rows:
            after = ev.id
            if f.rule and not _rule_matches(ev.result or {}, f.rule, f.rule_outcome):
                continue
            yield ev
        if len(rows) < 200:
            return


def _load(session: Session, actor: Actor, evaluation_id: int) -> tuple[Any, ...]:
    row = session.execute(
        _query(actor, DecisionFilter()).where(EvaluationRow.id == evaluation_id)
    ).first()
    if row is None:
        raise DecisionNotFound()
    ev, nom, unit, movement = row
    if not can_read(actor, unit):  # pragma: no cover - the query already scopes
        raise DecisionNotFound()
    return ev, nom, unit, movement


# ---- one decision, explained ----------------------------------------------------------------


def _condition_views(
    rule: dict[str, Any], fmt: _Formatter | None, titles_vi: dict[str, str]
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
                operator_vi=OP_VI.get(op, op),
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
    fmt = _Formatter(lr.ruleset) if lr is not None else None
    titles_vi = {code: t.name_vi for code, t in lr.titles.items()} if lr is not None else {}
    views: list[RuleView] = []
    for r in result.get("rules", []):
        outcome = str(r.get("outcome", ""))
        views.append(
            RuleView(
                id=str(r.get("id", "")),
                title_vi=str(r.get("title_vi", "")),
                kind=str(r.get("kind", "")),
                target=r.get("target"),
                outcome=outcome,
                outcome_vi=OUTCOME_VI.get(outcome, outcome),
                message_vi=str(r.get("message_vi", "")),
                unconfirmed=bool(r.get("unconfirmed")),
                legal_basis=str(r.get("legal_basis", "")),
                conditions=_condition_views(r, fmt, titles_vi),
            )
        )
    return views


def get_decision(
    session: Session, actor: Actor, evaluation_id: int, resolver: VersionResolver | None = None
) -> DecisionDetail:
    """One decision with its snapshot and every rule and condition (labels in Vietnamese)."""
    ev, nom, unit, movement = _load(session, actor, evaluation_id)
    resolver = resolver or VersionResolver()
    try:
        lr: LoadedRuleset | None = resolver.get(session, ev.ruleset_id, ev.ruleset_version)
    except UnknownRuleset:
        lr = None  # still show the stored trace, with field names instead of labels
    result: dict[str, Any] = ev.result or {}
    return DecisionDetail(
        **_summary(ev, nom, unit, movement),
        withheld=list(result.get("withheld", [])),
        as_of=result.get("as_of"),
        facts=ev.facts,
        derived=dict(result.get("derived", {})),
        rules=rule_views(result, lr),
        decision_hash=decision_hash(result),
    )


def detail_lines_vi(d: DecisionDetail) -> list[str]:
    """The decision as text for the CLI (Vietnamese)."""
    lines = [
        f"Quyết định #{d.id} – hồ sơ {d.nomination} ({KIND_VI.get(d.kind, d.kind)} "
        f"{d.nominee_name}, đơn vị {d.unit}, phong trào {d.movement} năm {d.year})",
        f"  Lần xét: {d.phase}, lúc {d.evaluated_at.isoformat(timespec='seconds')}",
        f"  Bộ tiêu chí: {d.ruleset.id}@{d.ruleset.version} (sha256 {d.ruleset.sha256[:12]}…)",
        f"  Kết quả: {d.status_vi.upper()}",
    ]
    if d.titles:
        lines.append("  Danh hiệu: " + ", ".join(d.titles))
    if d.proposals:
        lines.append("  Đề nghị lên tỉnh: " + ", ".join(d.proposals))
    if d.withheld:
        lines.append("  Tạm giữ lại: " + ", ".join(d.withheld))
    lines.append(f"  Mã băm quyết định: {d.decision_hash}")
    lines.append("  Dữ liệu xét (ảnh chụp):")
    for k, v in d.facts.items():
        lines.append(f"    {k}: {json.dumps(v, ensure_ascii=False)}")
    lines.append("  Từng quy tắc:")
    for r in d.rules:
        mark = {"fired": "✓", "not_fired": "✗"}.get(r.outcome, "–")
        note = " [chưa xác nhận]" if r.unconfirmed else ""
        lines.append(f"  {mark} [{r.id}] {r.title_vi}: {r.outcome_vi}{note}")
        lines.append(f"      {r.message_vi}")
        for c in r.conditions:
            ok = "đạt" if c.passed else "không đạt"
            param = f" (tham số {c.param})" if c.param else ""
            lines.append(
                f"      - {c.label_vi}: thực tế {c.actual_vi}, yêu cầu {c.operator_vi} "
                f"{c.expected_vi}{param} → {ok}"
            )
    return lines


# ---- reproduction -----------------------------------------------------------------------------


def _reproduce_row(
    session: Session,
    ev: EvaluationRow,
    nomination: str,
    engine: RulesEngine,
    resolver: VersionResolver,
) -> Reproduction:
    ref = RulesetRefView(id=ev.ruleset_id, version=ev.ruleset_version, sha256=ev.ruleset_sha256)
    return _reproduce(
        session, ev.result or {}, ev.facts, ref, engine, resolver, id=ev.id, nomination=nomination
    )


def _reproduce(
    session: Session,
    stored: dict[str, Any],
    facts: dict[str, Any],
    ref: RulesetRefView,
    engine: RulesEngine,
    resolver: VersionResolver,
    **where: Any,
) -> Reproduction:
    stored_hash = decision_hash(stored)
    base = {**where, "ruleset": ref, "stored_hash": stored_hash}
    try:
        lr = resolver.get(session, ref.id, ref.version)
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
    new_hash = decision_hash(new)
    identical = new_hash == stored_hash
    return Reproduction(
        **base,
        identical=identical,
        reproduced_hash=new_hash,
        sha256_matches=True,
        differences=[] if identical else diff_paths(stored, new),
    )


def reproduce_decision(
    session: Session,
    actor: Actor,
    evaluation_id: int,
    engine: RulesEngine,
    resolver: VersionResolver | None = None,
) -> Reproduction:
    """Re-evaluate the stored snapshot with the stored version; identical iff the hashes match."""
    ev, nom, _unit, _movement = _load(session, actor, evaluation_id)
    return _reproduce_row(session, ev, nom.key, engine, resolver or VersionResolver())


def reproduce_all(
    session: Session,
    actor: Actor,
    f: DecisionFilter,
    engine: RulesEngine,
    resolver: VersionResolver | None = None,
) -> ReproductionSummary:
    """Reproduce every visible decision matching ``f``; list the ones that differ."""
    resolver = resolver or VersionResolver()
    keys: dict[int, str] = {}
    total = identical = 0
    different: list[Reproduction] = []
    for ev in iter_decisions(session, actor, f):
        key = keys.get(ev.nomination_id)
        if key is None:
            key = session.get(NominationRow, ev.nomination_id).key  # type: ignore[union-attr]
            keys[ev.nomination_id] = key
        rep = _reproduce_row(session, ev, key, engine, resolver)
        total += 1
        if rep.identical:
            identical += 1
        else:
            different.append(rep)
    return ReproductionSummary(total=total, identical=identical, different=different)


def reproduce_appraisals(
    session: Session,
    actor: Actor,
    f: DecisionFilter,
    engine: RulesEngine,
    resolver: VersionResolver | None = None,
) -> ReproductionSummary:
    """Reproduce the decisions stored in rounds' appraisals (the facts the Office used there,
    e.g. collectives recomputed from their members' outcomes); unit roles: their units only."""
    resolver = resolver or VersionResolver()
    q = select(RoundRow, MovementRow.code).join(MovementRow, MovementRow.id == RoundRow.movement_id)
    if f.movement:
        q = q.where(MovementRow.code == f.movement)
    if f.year:
        q = q.where(RoundRow.year == f.year)
    total = identical = 0
    different: list[Reproduction] = []
    for rnd, _movement in session.execute(q.order_by(RoundRow.id)):
        for item in (rnd.appraisal or {}).get("results", []):
            stored = item.get("decision")
            unit = str(item.get("unit", ""))
            if not stored or not can_read(actor, unit) or (f.unit and unit != f.unit):
                continue
            if f.kind and item.get("kind") != f.kind:
                continue
            ref = RulesetRefView(**stored["ruleset"])
            rep = _reproduce(
                session,
                stored,
                item.get("facts_used") or {},
                ref,
                engine,
                resolver,
                id=None,
                source="appraisal",
                round=rnd.key,
                nomination=str(item.get("key", "")),
            )
            total += 1
            if rep.identical:
                identical += 1
            else:
                different.append(rep)
    return ReproductionSummary(total=total, identical=identical, different=different)
