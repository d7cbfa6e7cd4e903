"""Seeded random facts (valid against the contract), biased towards the rules' boundaries.

Used by the agreement test (our verdicts == durable_rules) and by bench/rules.py.
"""

from __future__ import annotations

import random
from typing import Any

from rules.facts import Assessment, Rating

_RATINGS = tuple(r.value for r in Rating)
_ASSESS = tuple(a.value for a in Assessment)
_DISC = ("none", "none", "none", "khien_trach", "canh_cao", "cach_chuc")
_TITLES = ("LDTT", "CSTDCS", "GIAY_KHEN", "TTLDTT", "TTLDXS")


def _history(rng: random.Random, year: int) -> list[dict[str, Any]]:
    out = []
    for y in rng.sample([year - 1, year - 2, year - 3], rng.randint(0, 2)):
        entry: dict[str, Any] = {"year": y}
        if rng.random() < 0.8:
            entry["rating"] = rng.choice(_RATINGS)
        entry["titles"] = rng.sample(_TITLES, rng.randint(0, 2))
        out.append(entry)
    return out


def _movement(rng: random.Random) -> dict[str, str]:
    return {c: rng.choice(_ASSESS) for c in ("c1", "c2", "c3", "c4") if rng.random() < 0.6}


def individual(rng: random.Random, i: int, year: int = 2024) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "kind": "individual",
        "id": f"cn-{i}",
        "year": year,
        "rating": rng.choice(_RATINGS),
        "months_worked": rng.choice((12, 12, 11, 10, 9, 8, 6, 3, 0)),
        "maternity_months": rng.choice((0, 0, 0, 1, 2, 3, 4, 6)),
        "discipline": rng.choice(_DISC),
        "under_review": rng.random() < 0.08,
        "research_accepted": rng.choice((0, 0, 0, 1, 2)),
        "initiatives": [
            {
                "id": f"sk-{j}",
                "year": rng.choice((year, year - 1, year - 2)),
                "applied": rng.random() < 0.5,
            }
            for j in range(rng.choice((0, 0, 1, 2, 3)))
        ],
        "history": _history(rng, year),
        "movement": _movement(rng),
    }
    if rng.random() < 0.7:
        facts["gender"] = rng.choice(("nu", "nam"))
    return facts


def collective(rng: random.Random, i: int, year: int = 2024) -> dict[str, Any]:
    total = rng.choice((0, 1, 7, 10, 20, 23, 100))
    ldtt = min(total, max(0, round(total * rng.choice((0.5, 0.69, 0.7, 0.71, 0.9, 1.0)))))
    return {
        "kind": "collective",
        "id": f"tt-{i}",
        "year": year,
        "rating": rng.choice(_RATINGS),
        "unit_type": rng.choice(("phong", "don_vi_su_nghiep")),
        "members_total": total,
        "members_ldtt": ldtt,
        "members_cstdcs": rng.randint(0, ldtt) if ldtt and rng.random() < 0.7 else 0,
        "members_htnv_or_better": total if rng.random() < 0.7 else rng.randint(0, total),
        "members_disciplined": 0 if rng.random() < 0.8 else rng.randint(0, total),
        "female_members": rng.randint(0, total),
        "under_review": rng.random() < 0.08,
        "history": _history(rng, year),
        "movement": _movement(rng),
        "guidance_on_time": rng.random() < 0.7,
        "propagated_to_all_staff": rng.random() < 0.7,
    }


def nominees(n: int, seed: int = 2024, collective_share: float = 0.2) -> list[dict[str, Any]]:
    """`n` valid fact sets, about `collective_share` of them collectives."""
    rng = random.Random(seed)
    return [
        collective(rng, i) if rng.random() < collective_share else individual(rng, i)
        for i in range(n)
    ]
