"""The demo's scenario: who is nominated, with what facts, and what happens to each nomination."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from thidua.app.sample_data import STAFF, UNITS, SampleStaff
from thidua.domain.org import FACTS_UNIT_TYPE, UnitKind

MOVEMENT = "NTM-2024"
YEAR = 2024
SEED = 2024
WORKERS = 8


@dataclass
class Plan:
    """One nomination the demo submits, and what happens to it along the way."""

    unit: str
    facts: dict[str, Any]
    dossier: dict[str, Any]
    name: str
    role: str = "ldtt"
    """What the scenario makes of it (for the printed narrative only)."""
    return_by_head: bool = False
    fixed_facts: dict[str, Any] | None = None
    incomplete: bool = False
    submit_last: bool = False
    key: str = ""
    notes: list[str] = field(default_factory=list)


def _unit_staff() -> dict[str, list[SampleStaff]]:
    out: dict[str, list[SampleStaff]] = {}
    for u in UNITS:
        if u.kind == "leadership":
            continue
        out[u.code] = [s for s in STAFF if s.unit_code == u.code]
    return out


def _dossier(code: str, *, evidence: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "achievement_report": f"BCTT-{YEAR}-{code}.pdf",
        "review_minutes": f"BB-HX-{YEAR}-{code}.pdf",
        "evidence": list(evidence),
    }


def _movement(rng: random.Random, strong: bool = False) -> dict[str, str]:
    if strong:
        return {"c1": "xuat_sac", "c2": "tot", "c3": "tot", "c4": "tot"}
    levels = ["xuat_sac", "tot", "tot", "dat", "dat", "dat"]
    return {f"c{i}": rng.choice(levels) for i in range(1, 5)}


def build_plans(rng: random.Random | None = None) -> list[Plan]:
    """The nominations of the demo: deterministic for a given seed (default 2024)."""
    rng = rng or random.Random(SEED)
    staff_by_unit = _unit_staff()
    units = list(staff_by_unit)
    everyone = [s for u in units for s in staff_by_unit[u]]
    # Special cases, chosen by the seeded generator but kept apart from one another and away
    # from the "strong" unit (whose collective is proposed for TTLDXS and must stay clean).
    strong_unit = "LDVL"
    pool = [s for s in everyone if s.unit_code != strong_unit]
    rng.shuffle(pool)
    used_units: Counter[str] = Counter()

    def pick(n: int = 1) -> list[SampleStaff]:
        chosen: list[SampleStaff] = []
        for s in list(pool):
            if used_units[s.unit_code] >= 1:
                continue
            pool.remove(s)
            used_units[s.unit_code] += 1
            chosen.append(s)
            if len(chosen) == n:
                break
        return chosen

    khtnv = pick(1)
    short_months = pick(1)
    held = pick(1)
    incomplete = pick(2)
    head_returns = pick(1)
    failed_vote = pick(1)
    # the two claims on one initiative: two staff of the same unit (GDNN)
    gdnn = [s for s in staff_by_unit["GDNN"] if s not in (*khtnv, *short_months, *held)]
    sharers = [s for s in gdnn if s not in (*incomplete, *head_returns, *failed_vote)][1:3]
    # the provincial certificate: CSTDCS in 2023 and again this year (strong unit, not its head)
    bk_person = staff_by_unit[strong_unit][2]
    special = {s.code for s in (*khtnv, *short_months, *held, *incomplete, *head_returns)}
    special |= {s.code for s in (*failed_vote, *sharers, bk_person)}
    plans: list[Plan] = []
    for s in everyone:
        strong = s.unit_code == strong_unit
        rating = rng.choices(["HTXSNV", "HTTNV", "HTNV"], weights=[2, 7, 1])[0]
        if strong and rating == "HTNV":
            rating = "HTTNV"
        facts: dict[str, Any] = {
            "kind": "individual",
            "id": s.code,
            "year": YEAR,
            "rating": rating,
            "months_worked": 12,
            "discipline": "none",
            "movement": _movement(rng),
            "gender": s.gender,
            "history": [{"year": YEAR - 1, "rating": "HTTNV", "titles": ["LDTT"]}],
        }
        evidence: list[str] = [f"XL-{YEAR}-{s.code}: quyết định xếp loại {rating}"]
        role = "ldtt" if rating != "HTNV" else "htnv"
        if rating == "HTXSNV":
            role = "cstdcs"
        if s.code not in special and rating == "HTTNV" and rng.random() < 0.15:
            ini = f"SK-{YEAR}-{s.unit_code}-{s.code}"
            facts["initiatives"] = [{"id": ini, "level": "co_so", "year": YEAR, "applied": True}]
            evidence.append(f"QĐ công nhận sáng kiến {ini}")
            role = "cstdcs"
        plan = Plan(unit=s.unit_code, facts=facts, dossier={}, name=s.full_name, role=role)
        if s in khtnv:
            facts["rating"] = "KHTNV"
            evidence = [f"XL-{YEAR}-{s.code}: quyết định xếp loại KHTNV"]
            plan.role = "not_eligible"
            plan.notes.append("xếp loại không hoàn thành nhiệm vụ")
        elif s in short_months:
            facts["rating"] = "HTTNV"
            facts["months_worked"] = 8
            facts["movement"] = {"c1": "dat", "c2": "dat", "c3": "tot", "c4": "dat"}
            plan.role = "not_eligible"
            plan.notes.append("chỉ công tác 8 tháng trong năm")
        elif s in held:
            facts["rating"] = "HTTNV"
            facts["under_review"] = True
            plan.role = "on_hold"
            plan.notes.append("đang bị xem xét kỷ luật: tạm dừng xét")
        elif s in incomplete:
            facts["rating"] = "HTTNV"
            plan.incomplete = True
            plan.role = "returned"
            plan.notes.append("hồ sơ thiếu biên bản họp xét")
        elif s in head_returns:
            facts["rating"] = "HTTNV"
            facts["months_worked"] = 9  # a typing error the unit head spots
            plan.return_by_head = True
            plan.fixed_facts = {**facts, "months_worked": 12}
            plan.notes.append("trưởng đơn vị trả lại để sửa số tháng công tác, nộp lại")
        elif s in failed_vote:
            facts["rating"] = "HTXSNV"
            plan.role = "failed_vote"
            plan.notes.append("CSTDCS chỉ được 7/10 phiếu")
        elif s in sharers:
            facts["rating"] = "HTTNV"
            ini = f"SK-{YEAR}-GDNN-CHUNG"
            facts["initiatives"] = [{"id": ini, "level": "co_so", "year": YEAR, "applied": True}]
            evidence.append(f"QĐ công nhận sáng kiến {ini}")
            plan.role = "initiative_twice"
            plan.submit_last = s is sharers[1]
            plan.notes.append("sáng kiến kê khai trùng")
        elif s is bk_person:
            facts["rating"] = "HTXSNV"
            facts["movement"] = _movement(rng, strong=True)
            facts["history"] = [
                {"year": YEAR - 1, "rating": "HTXSNV", "titles": ["LDTT", "CSTDCS"]}
            ]
            plan.role = "bang_khen"
            plan.notes.append("hai năm liên tục CSTDCS: đề nghị Bằng khen UBND tỉnh")
        plan.dossier = _dossier(s.code, evidence=evidence)
        if plan.incomplete:
            plan.dossier["review_minutes"] = None
        plans.append(plan)
    # the collectives: one per unit
    for code in units:
        members = staff_by_unit[code]
        member_plans = [p for p in plans if p.unit == code]
        ldtt = sum(
            1
            for p in member_plans
            if p.facts["rating"] in ("HTXSNV", "HTTNV") and p.role not in ("not_eligible",)
        )
        cstdcs = min(ldtt, sum(1 for p in member_plans if p.role in ("cstdcs", "bang_khen")))
        khtnv_n = sum(1 for p in member_plans if p.facts["rating"] == "KHTNV")
        unit = next(u for u in UNITS if u.code == code)
        strong = code == strong_unit
        rating = "HTXSNV" if strong else rng.choices(["HTTNV", "HTXSNV", "HTNV"], [7, 1, 1])[0]
        facts = {
            "kind": "collective",
            "id": code,
            "year": YEAR,
            "rating": rating,
            "unit_type": FACTS_UNIT_TYPE[UnitKind(unit.kind)],
            "members_total": len(members),
            "members_ldtt": ldtt,
            "members_cstdcs": cstdcs,
            "members_htnv_or_better": len(members) - khtnv_n,
            "members_disciplined": 0,
            "female_members": sum(1 for s in members if s.gender == "nu"),
            "movement": _movement(rng, strong=strong),
            "guidance_on_time": strong or rng.random() < 0.7,
            "propagated_to_all_staff": True,
            "history": [{"year": YEAR - 1, "rating": "HTTNV", "titles": ["TTLDTT"]}],
        }
        plans.append(
            Plan(
                unit=code,
                facts=facts,
                dossier=_dossier(code, evidence=[f"Báo cáo kết quả phong trào {YEAR} – {code}"]),
                name=unit.name,
                role="ttldxs" if strong else "collective",
            )
        )
    return plans


def officer_of(unit: str) -> str:
    return f"canbo.{unit.lower()}"


def head_of(unit: str) -> str:
    return f"truongphong.{unit.lower()}"


def council_members() -> list[dict[str, Any]]:
    """The Department's emulation–commendation council: 10 members, one absent (written vote)."""
    names = [
        "Trương Minh Khôi",  # Director, chair
        "Nguyễn Thị Thu Hằng",
        "Lê Văn Thắng",
        "Phạm Hữu Lộc",
        "Trần Thị Bích Ngọc",
        "Huỳnh Văn Phúc",
        "Võ Thanh Sơn",
        "Đinh Thị Phương Thảo",
        "Lê Thị Minh Nguyệt",
        "Hoàng Văn Dũng",
    ]
    return [{"name": n, "present": i != 3, "written_vote": i == 3} for i, n in enumerate(names)]
