"""The Office's consolidated report of the round."""

from __future__ import annotations

from collections import Counter
from datetime import date

from thidua.domain.documents.context import (
    RoundContext,
    movement_assessments,
)
from thidua.domain.documents.models import (
    ReportDoc,
    ReportUnitStats,
)
from thidua.domain.documents.snapshot import (
    AwardItemRecord,
    NominationRecord,
)
from thidua.domain.documents.text import count_vi

# ----------------------------------------------------------------------------- report


def _granted(item: AwardItemRecord) -> bool:
    if item.revoked or item.director_status != "approved":
        return False
    return item.level != "province" or item.province_status == "approved"


_WORDS = {1: "một", 2: "hai", 3: "ba", 4: "bốn", 5: "năm", 6: "sáu", 7: "bảy", 8: "tám", 9: "chín"}


def _results_text(ctx: RoundContext) -> list[str]:
    noms = ctx.nominations
    people = sum(1 for n in noms if n.kind != "collective")
    teams = len(noms) - people
    contents = ctx.movement.contents
    sent = (
        f"Các phòng, đơn vị thuộc Sở đã gửi {count_vi(len(noms))} hồ sơ đề nghị khen thưởng "
        f"({count_vi(people)} cá nhân, {count_vi(teams)} tập thể)."
    )
    if not contents:  # an annual review: no plan contents to assess
        return [sent]
    paragraphs = [
        f"{sent} Kết quả đánh giá {_WORDS.get(len(contents), str(len(contents)))} nội dung thi đua của Kế hoạch theo "
        "hồ sơ đề nghị như sau:"
    ]
    assessments = [movement_assessments(n.facts) for n in noms]
    for index, (key, label) in enumerate(contents, start=1):
        counts = Counter(a.get(key, "") for a in assessments)
        text = (
            f"{index}. {label}: {count_vi(counts['xuat_sac'])} trường hợp "
            f"được đánh giá xuất sắc, {count_vi(counts['tot'])} trường hợp được đánh giá tốt"
        )
        if counts["dat"]:
            text += f", {count_vi(counts['dat'])} trường hợp đạt"
        rest = len(noms) - counts["xuat_sac"] - counts["tot"] - counts["dat"]
        if rest:
            text += f", {count_vi(rest)} trường hợp không đạt hoặc chưa được đánh giá"
        paragraphs.append(text + ".")
    return paragraphs


def build_report(ctx: RoundContext, number: str, issued_on: date) -> ReportDoc:
    movement = ctx.movement
    by_unit: dict[int, list[NominationRecord]] = {}
    for n in ctx.nominations:
        by_unit.setdefault(n.unit.id, []).append(n)
    granted: dict[int, Counter[str]] = {}
    for item in ctx.items:
        if _granted(item):
            granted.setdefault(item.nomination.unit.id, Counter())[item.code] += 1
    stats: list[ReportUnitStats] = []
    for unit in ctx.units:
        noms = by_unit.get(unit.id, [])
        if unit.kind == "leadership" and not noms:
            continue
        stats.append(
            ReportUnitStats(
                unit=unit.name,
                nominated_individuals=sum(1 for n in noms if n.kind != "collective"),
                nominated_collectives=sum(1 for n in noms if n.kind == "collective"),
                granted=dict(granted.get(unit.id, Counter())),
            )
        )
    outcomes = Counter(str(r.get("outcome")) for r in ctx.snapshot.appraisal_results)
    not_recommended = outcomes["not_recommended"] + sum(
        1 for i in ctx.items if i.council_status == "not_recommended"
    )
    return ReportDoc(
        agency=ctx.agency,
        number=number,
        date=issued_on,
        movement_name=movement.name,
        year=ctx.year,
        plan_number=movement.plan_number,
        plan_date=movement.plan_date,
        stats_by_unit=stats,
        results_text=_results_text(ctx),
        returned=outcomes["returned"],
        on_hold=outcomes["on_hold"],
        not_eligible=outcomes["not_eligible"],
        not_recommended=not_recommended,
        recipients=list(ctx.profile.recipients.report),
        signer=ctx.director_signer(),
    )
