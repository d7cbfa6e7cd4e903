"""The checks after each crash (and after the load test): nothing lost, nothing twice.

``check_consistent``: every nomination in the state its plan leads to, in the database and in
the workflow alike, each step and evaluation recorded exactly once, in the audit log too
(``check_audit``); ``check_deliveries`` does the same for webhook deliveries and
``assert_audit_chain_verifies`` walks the hash chain.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from temporalio.client import Client

from tests.support.driver import Plan
from thidua.adapters.db.models import (
    AuditEntryRow,
    EvaluationRow,
    NominationRow,
    NominationStepRow,
    WebhookDeliveryRow,
)
from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.app import audit
from thidua.config import Settings
from thidua.domain.nominations import NominationStatus, workflow_id_for
from workflows.nomination import NominationWorkflow


def assert_audit_chain_verifies(uow: SqlUnitOfWork) -> int:
    """The hash-chained audit log verifies from its first entry; returns its length."""
    with uow() as tx:
        report = audit.verify(tx)
    assert report.ok, f"the audit chain does not verify: {report.problem}"
    return report.entries


def check_audit(uow: SqlUnitOfWork, keys: Sequence[str]) -> Counter[str]:
    """Each nomination created once; each of its steps and evaluations in the audit log once."""
    wanted = set(keys)
    with uow.session() as session:
        entries = [
            (e.action, e.object_id, e.after)
            for e in session.scalars(
                select(AuditEntryRow).where(
                    AuditEntryRow.object_type == "nomination",
                    AuditEntryRow.object_id.in_(wanted),
                )
            )
        ]
        steps = Counter(
            ids
            for ids in session.execute(
                select(NominationRow.key)
                .join(NominationStepRow, NominationStepRow.nomination_id == NominationRow.id)
                .where(NominationRow.key.in_(wanted))
            ).scalars()
        )
        evaluations = Counter(
            session.execute(
                select(NominationRow.key)
                .join(EvaluationRow, EvaluationRow.nomination_id == NominationRow.id)
                .where(NominationRow.key.in_(wanted))
            ).scalars()
        )
    created = Counter(o for a, o, _ in entries if a == "nomination.created")
    assert [k for k in wanted if created[k] != 1] == [], (
        "a nomination.created entry is missing or twice"
    )
    step_entries = Counter(
        (o, (after or {}).get("seq")) for a, o, after in entries if a == "nomination.step"
    )
    assert [k for k, n in step_entries.items() if n > 1] == [], "a step is in the audit log twice"
    assert Counter(o for o, _ in step_entries) == steps, "audit step entries != recorded steps"
    evaluated = Counter(o for a, o, _ in entries if a == "evaluation.recorded")
    assert evaluated == evaluations, "audit evaluation entries != recorded evaluations"
    return Counter(a for a, _, _ in entries)


async def final_statuses(client: Client, settings: Settings, keys: Sequence[str]) -> dict[str, Any]:
    """The result of each (closed) NominationWorkflow: no worker needed to read it."""
    out: dict[str, Any] = {}
    for key in keys:
        wf_id = workflow_id_for(key, settings.temporal.workflow_id_prefix)
        handle = client.get_workflow_handle_for(NominationWorkflow.run, wf_id)
        out[key] = await asyncio.wait_for(handle.result(), 60)
    return out


def check_consistent(
    uow: SqlUnitOfWork, plans: Sequence[Plan], results: dict[str, NominationStatus]
) -> dict[str, int]:
    """Every nomination where its plan leads, once: database == workflow, nothing twice."""
    keys = [p.key for p in plans]
    with uow.session() as session:
        rows = {
            r.key: r
            for r in session.scalars(select(NominationRow).where(NominationRow.key.in_(keys)))
        }
        ids = {r.id: r.key for r in rows.values()}
        steps: dict[str, list[NominationStepRow]] = {k: [] for k in keys}
        for s in session.scalars(
            select(NominationStepRow)
            .where(NominationStepRow.nomination_id.in_(ids))
            .order_by(NominationStepRow.nomination_id, NominationStepRow.seq)
        ):
            steps[ids[s.nomination_id]].append(s)
        evaluations = Counter(
            ids[nid]
            for nid in session.scalars(
                select(EvaluationRow.nomination_id).where(EvaluationRow.nomination_id.in_(ids))
            )
        )
        total_nominations = session.scalar(
            select(func.count()).select_from(NominationRow).where(NominationRow.key.in_(keys))
        )
    assert total_nominations == len(plans), "a nomination is missing or duplicated"
    for plan in plans:
        row = rows[plan.key]
        own = steps[plan.key]
        transitions = [(s.action, s.stage_to) for s in own]
        assert [s.seq for s in own] == list(range(1, len(own) + 1)), (plan.key, transitions)
        assert transitions == plan.transitions, (plan.key, transitions, plan.transitions)
        assert row.stage == plan.final.value, (plan.key, row.stage)
        assert row.last_step_seq == len(own), (plan.key, row.last_step_seq)
        wf = results[plan.key]
        assert wf.stage is plan.final, (plan.key, wf.stage)
        assert [(s.seq, s.action.value, s.stage_to.value) for s in wf.steps] == [
            (s.seq, s.action, s.stage_to) for s in own
        ], plan.key
        # One evaluation per submission and one per unit approval: none recorded twice.
        expected_evaluations = sum(a in ("evaluate",) for a, _ in plan.transitions) + sum(
            t == ("approve", "office_review") for t in plan.transitions
        )
        assert evaluations[plan.key] == expected_evaluations, (
            plan.key,
            evaluations[plan.key],
            expected_evaluations,
        )
    check_audit(uow, keys)
    return {"nominations": len(plans), "steps": sum(len(v) for v in steps.values())}


def check_deliveries(uow: SqlUnitOfWork, subscription_id: int) -> Counter[str]:
    """Webhook deliveries: one row per event, each ``delivered``; the statuses counted."""
    with uow.session() as session:
        rows = list(
            session.scalars(
                select(WebhookDeliveryRow).where(
                    WebhookDeliveryRow.subscription_id == subscription_id
                )
            )
        )
        events = list(session.scalars(select(NominationStepRow.id)))
    per_event = Counter(r.event_id for r in rows)
    assert [e for e, n in per_event.items() if n > 1] == []
    assert {int(r.event_id) for r in rows} == set(events), "an event has no delivery"
    return Counter(r.status for r in rows)
