"""Sample nominations: facts and submission bodies for the shipped NTM-2024 ruleset.

Each builder keeps the defaults its tests were written against: ``individual_facts`` (rated
HTXSNV, nothing else), ``round_facts`` (HTTNV, for the consolidation rounds), ``eligible_facts``
(every criterion met, so every approval is allowed) and ``individual`` (a whole API submission
body for unit LDVL).
"""

from __future__ import annotations

from typing import Any

from thidua.app.sample_data import STAFF

MOVEMENT = "NTM-2024"
YEAR = 2024


def staff_of(unit: str, index: int = 1) -> str:
    """The code of the ``index``-th sample staff member of ``unit``."""
    return [s.code for s in STAFF if s.unit_code == unit][index]


def individual_facts(nominee: str, **extra: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {"kind": "individual", "id": nominee, "year": YEAR, "rating": "HTXSNV"}
    facts.update(extra)
    return facts


def round_facts(nominee: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"kind": "individual", "id": nominee, "year": YEAR, "rating": "HTTNV"}
    base.update(extra)
    return base


def eligible_facts(code: str, **extra: Any) -> dict[str, Any]:
    """An individual the shipped ruleset finds eligible, so every approval is allowed."""
    facts: dict[str, Any] = {
        "kind": "individual",
        "id": code,
        "year": YEAR,
        "rating": "HTXSNV",
        "months_worked": 12,
        "movement": {"c1": "xuat_sac", "c2": "tot", "c3": "tot", "c4": "dat"},
    }
    facts.update(extra)
    return facts


def individual(code: str, **overrides: Any) -> dict[str, Any]:
    """A submission body for unit LDVL: an individual rated HTXSNV with 12 months of service."""
    facts = {
        "kind": "individual",
        "id": code,
        "year": YEAR,
        "rating": "HTXSNV",
        "months_worked": 12,
    }
    facts.update(overrides)
    return {"movement": MOVEMENT, "unit": "LDVL", "facts": facts}
