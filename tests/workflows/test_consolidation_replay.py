"""Recorded ConsolidationWorkflow histories replay deterministically against the current code.

The fixtures ``histories/consolidation_<path>.json`` are written by
``python -m tests.workflows.record_consolidation_histories``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.consolidation import ConsolidationWorkflow

HISTORIES = Path(__file__).resolve().parent / "histories"
PREFIX = "consolidation_"
PATHS = (
    "approve",
    "director_return",
    "deadline_close",
    "refused_steps",
    "objection_dismissed",
    "publication_period",
    "publication_ended",
    "actor_checked",  # since actor-checked-against-accounts
)


def recorded() -> list[str]:
    return sorted(p.stem.removeprefix(PREFIX) for p in HISTORIES.glob(f"{PREFIX}*.json"))


def load(name: str) -> WorkflowHistory:
    text = (HISTORIES / f"{PREFIX}{name}.json").read_text(encoding="utf-8")
    return WorkflowHistory.from_json(f"consolidation-replay-{name}", text)


def accepted_updates(history: WorkflowHistory) -> list[str]:
    return [
        e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]


def round_steps(history: WorkflowHistory) -> list[tuple[str, str | None]]:
    """(action, actor) of the round steps in the workflow's result."""
    done = history.events[-1]
    assert done.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
    payload = done.workflow_execution_completed_event_attributes.result.payloads[0]
    steps = json.loads(payload.data)["steps"]
    return [(s["action"], s["actor"]) for s in steps]


class TestRecordedConsolidationHistories:
    def test_every_round_path_has_a_recorded_history(self) -> None:
        """One history per round path is committed."""
        assert set(PATHS) <= set(recorded())

    @pytest.mark.parametrize("name", recorded() or list(PATHS))
    async def test_history_replays_without_nondeterminism(self, name: str) -> None:
        """Replaying the recorded round with the current ConsolidationWorkflow raises nothing."""
        replayer = Replayer(
            workflows=[ConsolidationWorkflow], data_converter=pydantic_data_converter
        )
        result = await replayer.replay_workflow(load(name))
        assert result.replay_failure is None

    def test_histories_cover_the_path_they_are_named_after(self) -> None:
        """The fixtures really contain the steps (and refusals) each path is about."""
        assert round_steps(load("approve")) == [
            ("close", "vanphong"),
            ("council", "thuky.hoidong"),
            ("approve", "giamdoc"),
        ]
        assert [a for a, _ in round_steps(load("director_return"))] == [
            "close",
            "council",
            "return",
            "close",
            "council",
            "approve",
        ]
        assert round_steps(load("deadline_close"))[0] == ("close", None)
        assert "close" not in accepted_updates(load("deadline_close"))
        refused = load("refused_steps")
        # The wrong-role close is rejected by the validator (never enters the history); the
        # council's bad ballot is accepted, then fails in its activity: two council updates.
        assert accepted_updates(refused) == ["close", "record_council", "record_council", "decide"]
        failed = [
            e for e in refused.events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED
        ]
        assert len(failed) == 1
        assert [a for a, _ in round_steps(refused)] == ["close", "council", "approve"]

    def test_publication_histories_cover_the_publication_paths(self) -> None:
        """The objection path holds the council once (a failed activity), then votes; the
        publication path closes into publication behind the patch marker and waits on a timer."""
        held = load("objection_dismissed")
        assert accepted_updates(held) == ["close", "record_council", "record_council", "decide"]
        assert [a for a, _ in round_steps(held)] == ["close", "council", "approve"]
        markers = [e for e in held.events if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED]
        assert markers, "the publication patch marker is in the new histories"
        waiting = load("publication_period")
        assert accepted_updates(waiting) == ["close"]
        assert any(e.event_type == EventType.EVENT_TYPE_TIMER_STARTED for e in waiting.events)
        assert not any(
            e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED for e in load("approve").events
        )

    def test_publication_ended_history_ends_the_period_by_its_timer(self) -> None:
        """The period's timer fired (no update ended it): ``publication_end`` with no actor
        between the closing and the council, then the Director's approval."""
        ended = load("publication_ended")
        assert accepted_updates(ended) == ["close", "record_council", "decide"]
        assert round_steps(ended) == [
            ("close", "vanphong"),
            ("publication_end", None),
            ("council", "thuky.hoidong"),
            ("approve", "giamdoc"),
        ]
        assert any(e.event_type == EventType.EVENT_TYPE_TIMER_FIRED for e in ended.events)
