"""The polling event feed: every recorded step of a nomination, in order, for pipelines.

The steps table is append-only and its ids only grow, so ``after=<cursor>`` never skips or
repeats an event. Unit-scoped roles see only their units' events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from thidua.app.ports.nominations import EventPage
from thidua.app.ports.uow import Tx
from thidua.domain import policy
from thidua.domain.roles import Actor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session  # transitional: ACCOUNTS helper


def feed(tx: Tx, actor: Actor, after: int | None, limit: int) -> EventPage:
    """The events ``actor`` may see after the cursor ``after`` (None: from the first)."""
    return tx.nominations.events_after(policy.visible_units(actor), after, limit)


def events_after(
    session: Session, actor: Actor, after: int | None, limit: int
) -> EventPage:  # transitional: ACCOUNTS helper
    """Today's session-based feed, for the webhook planner until it reads
    ``tx.nominations.events_after`` (then this goes)."""
    from thidua.adapters.db.nominations import SqlNominationStore  # transitional: ACCOUNTS helper

    return SqlNominationStore(session).events_after(policy.visible_units(actor), after, limit)
