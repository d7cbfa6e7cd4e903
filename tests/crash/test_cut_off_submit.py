"""A submission whose call to Temporal is cut off: the nomination row is kept exactly when needed.

``Lifecycle.submit`` stores the nomination, then starts its workflow with update-with-start. When
that call fails with a connection error (the server went down mid-call) the workflow may or may
not have been started. Found by the server crash test at full size: the row used to be deleted
in both cases, so a started workflow found no nomination for its first step and stayed stuck in
``submitted``. The row must be kept when the workflow exists (it goes on to unit review) and
removed only when it does not (a later submission starts afresh).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from temporalio.service import RPCError, RPCStatusCode

from tests.support.harness import Harness
from tests.support.nominations import individual_facts
from thidua.adapters.db.models import NominationRow
from thidua.app.lifecycle import NominationSubmission
from thidua.domain.nominations import Stage
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.entrypoints.lifecycle import build_lifecycle

pytestmark = pytest.mark.crash
START_DELAY = 2


class CutOffClient:
    """The real client, whose update-with-start fails with a transport error.

    With ``started`` the workflow is started first, its first task delayed by a few seconds: the
    server has recorded the start but no worker has run it yet when the caller sees the error,
    as when the server goes down mid-call and comes back.
    """

    def __init__(self, inner: Any, *, started: bool) -> None:
        self._inner = inner
        self._started = started

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def execute_update_with_start_workflow(self, *args: Any, **kwargs: Any) -> Any:
        if self._started:
            start = kwargs["start_workflow_operation"]._start_workflow_input
            await self._inner.start_workflow(
                start.workflow,
                args=list(start.args),
                id=start.id,
                task_queue=start.task_queue,
                search_attributes=start.search_attributes,
                start_delay=timedelta(seconds=START_DELAY),
            )
        raise RPCError("transport error", RPCStatusCode.UNAVAILABLE, b"")


def row(h: Harness, key: str) -> NominationRow | None:
    with h.db.uow.session() as session:
        return session.scalars(select(NominationRow).where(NominationRow.key == key)).one_or_none()


def submission(nominee: str) -> NominationSubmission:
    return NominationSubmission.model_validate(
        {"movement": "NTM-2024", "unit": "LDVL", "facts": individual_facts(nominee)}
    )


async def submit_cut_off(h: Harness, nominee: str, *, started: bool) -> str:
    lc = build_lifecycle(CutOffClient(h.client, started=started), h.db.uow, h.settings)  # type: ignore[arg-type]
    with pytest.raises(Refusal) as refused:
        await lc.submit(h.actor("canbo.ldvl"), submission(nominee))
    assert refused.value.code is RefusalCode.UNAVAILABLE
    return f"NTM-2024_2024_{nominee}"


class TestCutOffSubmission:
    async def test_started_workflow_keeps_its_row_and_reaches_unit_review(self, h: Harness) -> None:
        """The workflow started before the cut: the row stays and its steps are recorded."""
        key = await submit_cut_off(h, "NV018", started=True)
        if row(h, key) is None:
            await h.handle(key).terminate("test: the row was lost")  # no stuck workflow left
            pytest.fail("the nomination row was deleted although its workflow had started")
        status = await h.wait_until(key, lambda s: s.stage is Stage.UNIT_REVIEW, within=30)
        kept = row(h, key)
        assert kept is not None and kept.stage == Stage.UNIT_REVIEW.value
        assert [(s.seq, s.action) for s in h.steps(key)] == [
            (s.seq, s.action.value) for s in status.steps
        ]
        # Submitting again is answered as a duplicate; nothing is added.
        with pytest.raises(Refusal) as again:
            await h.lifecycle.submit(h.actor("canbo.ldvl"), submission("NV018"))
        assert again.value.code is RefusalCode.DUPLICATE
        assert len(h.steps(key)) == len(status.steps)

    async def test_unstarted_workflow_leaves_no_row_and_a_retry_succeeds(self, h: Harness) -> None:
        """No workflow was started: the row is removed; submitting again goes through."""
        key = await submit_cut_off(h, "NV019", started=False)
        assert row(h, key) is None
        detail = await h.lifecycle.submit(h.actor("canbo.ldvl"), submission("NV019"))
        assert detail.stage == Stage.UNIT_REVIEW.value
