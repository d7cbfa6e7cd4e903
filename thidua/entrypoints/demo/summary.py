"""What the demo prints at the end: the round's counts by title and by outcome.

Titles are named and ordered as the round's ruleset names and orders them (the shipped rules
files: the demo's movement is judged under them); province-level forms are its proposals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import cache
from typing import Any

from pydantic import BaseModel, Field

from rules.registry import LoadedRuleset, RulesRegistry, UnknownRuleset


class TitleCount(BaseModel):
    proposed: int = 0
    """Items of the Office's consolidated list (put to the council) for this title/form."""
    passed: int = 0
    """Passed by the council."""
    granted: int = 0
    """Awarded: approved by the Director (for a province-level form: approved by the province)."""
    submitted_to_province: int = 0
    """Province-level forms the Director signed upward (approved by the Director)."""


class DemoSummary(BaseModel):
    round_key: str
    round_stage: str
    existing: bool = False
    """True when the demo had already run: nothing was created, this is the latest round."""
    nominations: int = 0
    titles: dict[str, TitleCount] = Field(default_factory=dict)
    recommended: int = 0
    returned: int = 0
    on_hold: int = 0
    not_eligible: int = 0
    not_recommended: int = 0
    director_rejected: int = 0
    waiting_next_round: int = 0
    flags: dict[str, int] = Field(default_factory=dict)
    title_labels: dict[str, str] = Field(default_factory=dict)
    """Each title's name in the round's ruleset."""
    province_level: list[str] = Field(default_factory=list)
    """Titles that are proposals to the province."""
    documents: list[str] = Field(default_factory=list)
    """Files written into out_dir (names)."""
    elapsed_seconds: float = 0.0


@cache
def _shipped() -> RulesRegistry:
    return RulesRegistry.from_directory()


def _ruleset_of(view: dict[str, Any]) -> LoadedRuleset | None:
    ref = view.get("ruleset") or {}
    try:
        return _shipped().get(str(ref.get("id")), str(ref.get("version")))
    except UnknownRuleset:
        return None


def title_label(ruleset: LoadedRuleset | None, code: str) -> str:
    """The ruleset's name of a title, as a table row reads it ("danh hiệu" left out); a
    province-level form (a proposal) says so."""
    title = ruleset.titles.get(code) if ruleset is not None else None
    if title is None:
        return code
    name = title.name_vi.removeprefix("danh hiệu ")
    name = name[:1].upper() + name[1:]
    return f"{name} (trình tỉnh)" if title.kind == "proposal" else name


def summarize(
    view: dict[str, Any], held_keys: set[str], waiting: int, nominations: int
) -> DemoSummary:
    results = view.get("results") or []
    outcomes = Counter(r["outcome"] for r in results)
    on_hold = {r["key"] for r in results if r["outcome"] == "on_hold"} | held_keys
    ruleset = _ruleset_of(view)
    proposals = {c for c, t in ruleset.titles.items() if t.kind == "proposal"} if ruleset else set()
    titles: dict[str, TitleCount] = {}
    for item in view.get("items") or []:
        tc = titles.setdefault(item["code"], TitleCount())
        tc.proposed += 1
        if item["council_status"] == "passed":
            tc.passed += 1
        if item["director_status"] == "approved":
            if item["level"] == "province" or item["code"] in proposals:
                tc.submitted_to_province += 1
                if item.get("province_status") == "approved":
                    tc.granted += 1
            elif not item.get("revoked"):
                tc.granted += 1
    order = list(ruleset.titles) if ruleset is not None else []
    ordered = {c: titles[c] for c in order if c in titles}
    ordered.update({c: t for c, t in titles.items() if c not in ordered})
    items = view.get("items") or []
    flags = Counter(f["code"] for f in view.get("flags") or [])
    for r in results:
        flags.update(f["code"] for f in r.get("flags") or [] if f["code"] == "failed_vote")
    return DemoSummary(
        round_key=view["key"],
        round_stage=view["stage"],
        nominations=nominations,
        titles=ordered,
        recommended=outcomes.get("recommended", 0),
        returned=outcomes.get("returned", 0),
        on_hold=len(on_hold),
        not_eligible=outcomes.get("not_eligible", 0),
        not_recommended=sum(1 for i in items if i["council_status"] == "not_recommended"),
        director_rejected=sum(1 for i in items if i["director_status"] == "rejected"),
        waiting_next_round=waiting,
        flags=dict(flags),
        title_labels={c: title_label(ruleset, c) for c in ordered},
        province_level=sorted(proposals & set(ordered)),
    )


def table(rows: list[list[str]], header: list[str]) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=False))
        )

    sep = "  ".join("-" * w for w in widths)
    return [line(header), sep, *(line(r) for r in rows)]


def print_summary(summary: DemoSummary, echo: Callable[[str], None]) -> None:
    echo("")
    echo(f"KẾT QUẢ ĐỢT XÉT {summary.round_key} (bước: {summary.round_stage})")
    rows = [
        [
            summary.title_labels.get(code, code),
            str(tc.proposed),
            str(tc.passed),
            str(tc.submitted_to_province) if code in summary.province_level else "–",
            str(tc.granted),
        ]
        for code, tc in summary.titles.items()
    ]
    header = ["Danh hiệu / hình thức", "Đề nghị", "HĐ thông qua", "Trình tỉnh", "Được khen"]
    for text in table(rows, header):
        echo(text)
    echo("")
    status_rows = [
        ["Hồ sơ đã nộp", str(summary.nominations)],
        ["Được đề nghị sau thẩm định", str(summary.recommended)],
        ["Trả lại để bổ sung", str(summary.returned)],
        ["Tạm dừng xét", str(summary.on_hold)],
        ["Không đủ tiêu chuẩn", str(summary.not_eligible)],
        ["Hội đồng không đề nghị", str(summary.not_recommended)],
        ["Giám đốc không phê duyệt", str(summary.director_rejected)],
        ["Chờ đợt xét sau", str(summary.waiting_next_round)],
    ]
    for text in table(status_rows, ["Tình trạng hồ sơ", "Số lượng"]):
        echo(text)
    if summary.flags:
        echo("Cảnh báo của Văn phòng: " + ", ".join(f"{k} × {v}" for k, v in summary.flags.items()))
    echo("")
    if summary.documents:
        echo("Văn bản đã ghi: " + ", ".join(summary.documents))
    else:
        echo("Văn bản đã ghi: (không có)")
    echo(f"Thời gian: {summary.elapsed_seconds:.1f} giây")
