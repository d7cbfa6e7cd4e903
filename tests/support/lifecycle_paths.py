"""Each lifecycle path of NominationWorkflow, driven to its end through a ``Harness``.

``record_histories`` records one replay fixture per path in ``PATHS``; the workflow tests use
``FAST_DEADLINES`` for the deadline path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from tests.support.harness import Harness
from tests.support.nominations import individual_facts
from tests.support.rulesets import v2_content, v2_golden
from tests.support.waits import poll
from thidua.adapters.temporal.nominations import TemporalNominationWorkflows
from thidua.app import rules_versions as rv
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Role


async def path_approve(h: Harness) -> str:
    key = await h.submit("NV018")
    for reviewer in ("truongphong.ldvl", "vanphong", "giamdoc"):
        await h.review(reviewer, key, "approve")
    return key


async def path_reject(h: Harness) -> str:
    key = await h.submit("NV019")
    await h.review("truongphong.ldvl", key, "approve")
    await h.review("vanphong", key, "reject", "Không đủ minh chứng")
    return key


async def path_return_resubmit(h: Harness) -> str:
    key = await h.submit("NV020", rating="KHTNV")
    await h.review("truongphong.ldvl", key, "return", "Xếp loại chưa đúng")
    await h.resubmit("canbo.ldvl", key, individual_facts("NV020"))
    for reviewer in ("truongphong.ldvl", "vanphong", "giamdoc"):
        await h.review(reviewer, key, "approve")
    return key


async def path_hold_resume(h: Harness) -> str:
    key = await h.submit("NV021")
    await h.review("truongphong.ldvl", key, "approve")
    await h.hold("vanphong", key, "Chờ xác minh")
    await h.resume("vanphong", key)
    await h.review("vanphong", key, "approve")
    await h.review("giamdoc", key, "approve")
    return key


async def path_deadline_escalation(h: Harness) -> str:
    key = await h.submit("NV022")

    def escalated_then_reminded() -> bool:
        kinds = [a.kind for a in h.alerts(key)]
        return "escalation" in kinds and kinds[-1] == "reminder" and kinds.count("reminder") >= 2

    await poll(escalated_then_reminded, bool)
    await h.review("truongphong.ldvl", key, "reject", "Quá hạn xét")
    return key


async def path_auto_hold(h: Harness) -> str:
    key = await h.submit("NV017", under_review=True)
    try:  # still under review: evaluated again, then refused inside the update
        await h.resume("vanphong", key)
    except Refusal as refusal:
        assert refusal.code is RefusalCode.WRONG_STAGE
    else:
        raise AssertionError("resume without cleared facts was accepted")
    await h.resume("vanphong", key, individual_facts("NV017"))
    await h.review("truongphong.ldvl", key, "reject", "Không đề nghị năm nay")
    return key


async def path_reevaluate(h: Harness) -> str:
    """Judged not eligible under v1; v2 (9 months suffice) is published; an admin re-evaluates."""
    key = await h.submit("NV018", rating="HTTNV", months_worked=9)
    admin1, admin2 = h.actor("quantri.quydinh1"), h.actor("quantri.quydinh2")
    assert admin1.role is Role.RULES_ADMIN
    with h.db.uow() as tx:
        body = rv.UploadRequest(content=v2_content(), golden=v2_golden(green=True))
        rv.upload(tx, admin1, body)
        rv.approve(tx, admin2, "ntm-2024", "2")
        start = rv.PublishRequest(effective_from=date(2024, 7, 1))
        rv.publish(tx, admin2, h.engine.inner, "ntm-2024", "2", start)
    target = rv.ReevaluationRequest(ruleset_id="ntm-2024", version="2", reason="Áp dụng v2")
    workflows = TemporalNominationWorkflows(h.client, h.settings.temporal)
    plan = await rv.apply_reevaluation(h.db.uow, workflows, h.engine.inner, admin1, target)
    assert [(i.nomination, i.applied) for i in plan.items] == [(key, True)], plan
    for reviewer in ("truongphong.ldvl", "vanphong", "giamdoc"):
        await h.review(reviewer, key, "approve")
    return key


PATHS: dict[str, Callable[[Harness], Awaitable[str]]] = {
    "approve": path_approve,
    "reject": path_reject,
    "return_resubmit": path_return_resubmit,
    "hold_resume": path_hold_resume,
    "deadline_escalation": path_deadline_escalation,
    "auto_hold": path_auto_hold,
    "reevaluate": path_reevaluate,
}

# Deadlines short enough for the deadline path to escalate within seconds.
FAST_DEADLINES: dict[str, float] = {
    "unit_review_days": 2 / 86400,
    "reminder_every_days": 0.5 / 86400,
}
