"""Recorded histories of every lifecycle path replay deterministically against the current code."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from thidua.domain.nominations import NominationStatus, NominationWorkflowInput
from workflows.nomination import NominationWorkflow

HISTORIES = Path(__file__).resolve().parent / "histories"
PATHS = (
    "approve",
    "reject",
    "return_resubmit",
    "hold_resume",
    "deadline_escalation",
    "auto_hold",
    "reevaluate",
    "resume_refused_facts",  # since resume-tries-facts-first
    "actor_checked",  # since actor-checked-against-accounts (a forged review refused)
)


def load(name: str) -> WorkflowHistory:
    text = (HISTORIES / f"{name}.json").read_text(encoding="utf-8")
    return WorkflowHistory.from_json(f"nomination-replay-{name}", text)


@workflow.defn(name="NominationWorkflow", sandboxed=False)
class TimerFirstNominationWorkflow(NominationWorkflow):
    """An incompatible change: a timer before the first activity."""

    @workflow.run
    async def run(self, input: NominationWorkflowInput) -> NominationStatus:
        await workflow.sleep(timedelta(seconds=1))
        return await super().run(input)


class TestRecordedHistories:
    """The committed fixtures cover every path and replay cleanly."""

    def test_every_lifecycle_path_has_a_recorded_history(self) -> None:
        """One history per lifecycle path is committed (and nothing unexpected beside them)."""
        recorded = {
            p.stem for p in HISTORIES.glob("*.json") if not p.stem.startswith("consolidation_")
        }
        assert recorded == set(PATHS)

    @pytest.mark.parametrize("name", PATHS)
    async def test_history_replays_without_nondeterminism(self, name: str) -> None:
        """Replaying the recorded path with the current NominationWorkflow raises nothing."""
        replayer = Replayer(workflows=[NominationWorkflow], data_converter=pydantic_data_converter)
        result = await replayer.replay_workflow(load(name))
        assert result.replay_failure is None

    async def test_replay_detects_an_incompatible_change(self) -> None:
        """A workflow that issues different commands fails to replay the approve history."""
        replayer = Replayer(
            workflows=[TimerFirstNominationWorkflow], data_converter=pydantic_data_converter
        )
        with pytest.raises(NondeterminismError):
            await replayer.replay_workflow(load("approve"))
