"""Titles for subjects who did not register (đăng ký thi đua): flagged to the Office.

When a movement has a registration phase, units and staff register at the start of the year for
the titles they aim at. At consolidation every RECOMMENDED candidate whose title or proposal was
not registered (or who has no registration at all) gets the flag ``not_registered``, naming the
titles. A movement without a registration phase flags nothing. Pure: the caller reads the book.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from thidua.domain.appraisal.models import Appraisal, Flag, Outcome, label

NOT_REGISTERED = "not_registered"


@dataclass(frozen=True)
class RegistrationBook:
    """A movement's registrations as the consolidation needs them.

    ``titles``: (subject kind, subject code) → the registered title codes; ``has_phase``: the
    movement has a registration phase (without one, nothing is flagged)."""

    movement: str
    year: int
    has_phase: bool
    titles: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)


def subject_code(key: str, movement: str, year: int) -> str:
    """The nominee's code in a nomination key ``<movement>_<year>_<nominee>``."""
    return key.removeprefix(f"{movement}_{year}_")


def _names(codes: list[str], names: Mapping[str, str]) -> str:
    return ", ".join(f"{names[c]} ({c})" if c in names else c for c in codes)


def flag_unregistered(
    appraisal: Appraisal, book: RegistrationBook, names: Mapping[str, str] | None = None
) -> Appraisal:
    """``appraisal`` with a ``not_registered`` flag on each RECOMMENDED candidate whose titles or
    proposals were not all registered (``names``: title code → Vietnamese name, optional)."""
    if not book.has_phase:
        return appraisal
    names = names or {}
    results = []
    for r in appraisal.results:
        codes = [*r.titles, *r.proposals]
        if r.outcome is not Outcome.RECOMMENDED or not codes:
            results.append(r)
            continue
        registered = book.titles.get((r.kind, subject_code(r.key, book.movement, book.year)))
        missing = [c for c in codes if registered is None or c not in registered]
        if not missing or any(f.code == NOT_REGISTERED for f in r.flags):
            results.append(r)
            continue
        if registered is None:
            message = (
                f"{label(r)} chưa đăng ký thi đua với phong trào {book.movement}; "
                f"được đề nghị: {_names(missing, names)}."
            )
        else:
            message = (
                f"{label(r)} không đăng ký {_names(missing, names)} khi đăng ký thi đua "
                f"(đã đăng ký: {', '.join(registered) or 'không có'})."
            )
        flag = Flag(code=NOT_REGISTERED, message_vi=message, related=[r.key])
        results.append(r.model_copy(update={"flags": [*r.flags, flag]}))
    return appraisal.model_copy(update={"results": results})
