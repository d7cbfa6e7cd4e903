"""The nomination commands of a process, wired once: ``Lifecycle`` over the database, the
nomination workflows through Temporal, and the stage deadlines from the settings."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import Client

from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.adapters.temporal.nominations import TemporalNominationWorkflows
from thidua.app.lifecycle import Lifecycle
from thidua.config import Settings
from thidua.domain.nominations import StageDeadlines


def deadlines_from(settings: Settings) -> StageDeadlines:
    """How long each waiting stage may last (the ``lifecycle`` settings, in days)."""
    lc = settings.lifecycle
    return StageDeadlines(
        unit_review=timedelta(days=lc.unit_review_days),
        office_review=timedelta(days=lc.office_review_days),
        director_review=timedelta(days=lc.director_review_days),
        returned=timedelta(days=lc.returned_days),
        reminder_every=timedelta(days=lc.reminder_every_days),
    )


def build_lifecycle(client: Client, uow: SqlUnitOfWork, settings: Settings) -> Lifecycle:
    """The nomination commands over ``client`` (the shape ``cli._common.with_commands`` takes)."""
    return Lifecycle(
        uow, TemporalNominationWorkflows(client, settings.temporal), deadlines_from(settings)
    )
