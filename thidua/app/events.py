"""The polling event feed: every recorded step of a nomination, in order, for pipelines.

The steps table is append-only and its ids only grow, so ``after=<cursor>`` never skips or
repeats an event. Unit-scoped roles see only their units' events.
"""

from __future__ import annotations

from thidua.app.ports.nominations import EventPage
from thidua.app.ports.uow import Tx
from thidua.domain import policy
from thidua.domain.roles import Actor


def feed(tx: Tx, actor: Actor, after: int | None, limit: int) -> EventPage:
    """The events ``actor`` may see after the cursor ``after`` (None: from the first)."""
    return tx.nominations.events_after(policy.visible_units(actor), after, limit)
