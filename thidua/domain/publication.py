"""Publication (công khai) of a round's consolidated list before the council, and objections.

After each closing the consolidated list is published to all staff for a number of working days
(the agency's choice: the round's ``publication_days``, by default the agency profile's
``publication_days``, else :data:`DEFAULT_PUBLICATION_DAYS`); the council votes only after the
period has ended. Anyone may object to a nominee (or one of its titles); an objection puts what it
names on hold until the Office resolves it: upheld (withdrawn from the list the council votes
on, with the reason) or dismissed (the hold is lifted). Pure data and functions, no I/O: the
workflow computes the period's end with :func:`publication_end`, the council's activity checks
its list with :func:`council_list`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from thidua.domain.refusals import Refusal, RefusalCode

#: Working days the consolidated list is published when neither the round nor the agency
#: profile says otherwise. The agency's choice, not law: 5 working days is common in provincial
#: emulation regulations (unconfirmed: "chưa xác nhận" for this agency).
DEFAULT_PUBLICATION_DAYS = 5
MAX_PUBLICATION_DAYS = 60

#: Publication days are counted in Vietnam's calendar (UTC+7, no daylight saving time).
VIETNAM = timezone(timedelta(hours=7))


def working_days_after(day: date, days: int) -> date:
    """The ``days``-th working day (Monday–Friday) after ``day`` (``day`` itself for 0).

    Public holidays are not skipped: no holiday calendar is kept here (unconfirmed dates change
    every year), so the Office chooses the number of days with them in mind."""
    current = day
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def publication_end(start: datetime, days: int) -> datetime:
    """When a publication starting at ``start`` (the closing) for ``days`` working days ends: the
    end (midnight, Vietnam time) of the ``days``-th working day after the closing day; ``start``
    itself for 0 days. Example: closed Friday 20/12/2024 10:00, 5 days → published until the end
    of Friday 27/12/2024 (28/12/2024 00:00 +07:00)."""
    if days <= 0:
        return start
    local = start.astimezone(VIETNAM)
    last = working_days_after(local.date(), days)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=VIETNAM)
    return end.astimezone(start.tzinfo or VIETNAM)


class ObjectionStatus(StrEnum):
    OPEN = "open"  # the nominee (or the title) is on hold
    UPHELD = "upheld"  # withdrawn from the list the council votes on
    DISMISSED = "dismissed"  # the hold is lifted


class Objection(BaseModel):
    """An objection as the hold check needs it: which item it names and where it stands."""

    model_config = ConfigDict(frozen=True)

    id: int
    nomination: str
    title: str | None
    status: ObjectionStatus

    def covers(self, nomination: str, code: str) -> bool:
        """It names this award item: the nomination, and this title or every title."""
        return self.nomination == nomination and self.title in (None, code)


def held_items(
    items: Iterable[tuple[str, str]], objections: Sequence[Objection]
) -> dict[tuple[str, str], list[int]]:
    """The items on hold: each with the ids of the unresolved objections naming it."""
    out: dict[tuple[str, str], list[int]] = {}
    for item in items:
        ids = [o.id for o in objections if o.status is ObjectionStatus.OPEN and o.covers(*item)]
        if ids:
            out[item] = ids
    return out


def withdrawn_items(
    items: Iterable[tuple[str, str]], objections: Sequence[Objection]
) -> set[tuple[str, str]]:
    """The items an upheld objection withdrew from the list."""
    return {
        item
        for item in items
        if any(o.status is ObjectionStatus.UPHELD and o.covers(*item) for o in objections)
    }


def council_list(
    items: Collection[tuple[str, str]], objections: Sequence[Objection]
) -> set[tuple[str, str]]:
    """The (nomination, title) items the council votes on: the round's list without the items
    upheld objections withdrew. Refuses (``conflict``, field ``ballots``) while any item has an
    unresolved objection: the council may not vote on a held item, and every item on the list
    needs its ballot, so the Office resolves the objections first. The refusal names each held
    nomination, its titles and the objections."""
    held = held_items(items, objections)
    if held:
        by_nomination: dict[str, tuple[list[str], set[int]]] = {}
        for (nomination, code), ids in sorted(held.items()):
            codes, all_ids = by_nomination.setdefault(nomination, ([], set()))
            codes.append(code)
            all_ids.update(ids)
        parts = [
            f"hồ sơ {nomination} ({', '.join(codes)}) do phản ánh số "
            f"{', '.join(str(i) for i in sorted(ids))}"
            for nomination, (codes, ids) in by_nomination.items()
        ]
        raise Refusal(
            RefusalCode.CONFLICT,
            "ballots: Hội đồng chưa thể bỏ phiếu vì đang tạm dừng xét "
            + "; ".join(parts)
            + " chưa được Văn phòng Sở giải quyết.",
            field="ballots",
            problem="objection_unresolved",
        )
    return set(items) - withdrawn_items(items, objections)
