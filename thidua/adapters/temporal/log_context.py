"""Log lines written inside a Temporal activity carry its workflow and activity (worker only)."""

from __future__ import annotations

from typing import Any

from structlog.typing import EventDict
from temporalio import activity


def activity_context(_: Any, __: str, event_dict: EventDict) -> EventDict:
    """A structlog processor: the workflow and activity identity of a line logged in an activity."""
    if activity.in_activity():
        info = activity.info()
        event_dict.setdefault("workflow_id", info.workflow_id)
        event_dict.setdefault("workflow_run_id", info.workflow_run_id)
        event_dict.setdefault("activity", info.activity_type)
        event_dict.setdefault("attempt", info.attempt)
    return event_dict
