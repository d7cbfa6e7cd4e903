"""Input models of the administrative documents (Decree 30/2020/NĐ-CP format).

Pure data: no database, no I/O. Renderers in :mod:`thidua.adapters.documents.render_docx` and
:mod:`thidua.adapters.documents.render_html` turn these into Word and HTML files.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from thidua.domain.money import award_amount

__all__ = [
    "COLLECTIVE_CODES",
    "FORM_CODES",
    "TITLE_SHORT_VI",
    "Agency",
    "AnyDoc",
    "AwardLine",
    "CouncilMinutesDoc",
    "CouncilVote",
    "DecisionDoc",
    "ProposalLine",
    "ReportDoc",
    "ReportUnitStats",
    "RevocationDoc",
    "Signer",
    "SubmissionDoc",
    "VoteCountDoc",
]

#: Codes that are always awarded to a collective.
COLLECTIVE_CODES: frozenset[str] = frozenset({"TTLDTT", "TTLDXS"})

#: Codes that are forms of commendation (Giấy khen, Bằng khen), not emulation titles.
FORM_CODES: frozenset[str] = frozenset({"GIAY_KHEN", "BANG_KHEN_UBND_TINH"})

#: Short Vietnamese labels for table column headers.
TITLE_SHORT_VI: dict[str, str] = {
    "LDTT": "LĐTT",
    "CSTDCS": "CSTĐCS",
    "TTLDTT": "TTLĐTT",
    "TTLDXS": "TTLĐXS",
    "GIAY_KHEN": "Giấy khen",
    "BANG_KHEN_UBND_TINH": "Bằng khen UBND tỉnh",
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Agency(_Model):
    """The issuing agency and its governing body (top-left of the header)."""

    parent: str = Field(examples=["UBND TỈNH BÌNH PHƯỚC"])
    name: str = Field(examples=["SỞ LAO ĐỘNG – THƯƠNG BINH VÀ XÃ HỘI"])
    short: str = Field(examples=["SLĐTBXH"])
    place: str = Field(examples=["Bình Phước"])
    head_title: str = Field(examples=["GIÁM ĐỐC"])
    """The head's position, upper case (used in "GIÁM ĐỐC SỞ …" of a decision)."""
    full_name: str = Field(examples=["Sở Lao động – Thương binh và Xã hội"])
    """The agency's name in normal case, as used in running text."""


class Signer(_Model):
    """Signature block: position in bold caps, space for the signature and seal, the name."""

    position: str = Field(examples=["GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"])
    name: str
    on_behalf: str | None = Field(default=None, examples=["KT. GIÁM ĐỐC"])
    note: str | None = Field(default=None, examples=["(Ký, ghi rõ họ và tên)"])
    """An italic line under the position, as forms print it."""


class AwardLine(_Model):
    """One awardee (individual or collective) with the title or form awarded."""

    name: str
    position: str | None = None
    unit: str
    title_code: str
    title_vi: str
    coefficient: Decimal | None = None
    amount: int | None = None
    is_collective: bool = False
    note: str | None = None
    """Why the amount is what it is (e.g. not paid: the same achievement's higher award is)."""

    @model_validator(mode="after")
    def _collective_titles(self) -> Self:
        if self.title_code in COLLECTIVE_CODES and not self.is_collective:
            object.__setattr__(self, "is_collective", True)
        return self

    def resolved_amount(self, base_salary: int) -> int | None:
        """The explicit amount, else coefficient × base salary rounded up (None if neither)."""
        if self.amount is not None:
            return self.amount
        if self.coefficient is not None:
            return award_amount(self.coefficient, base_salary)
        return None


class ProposalLine(AwardLine):
    """An awardee proposed to the province, with a summary of achievements."""

    achievements: str = ""


class _Doc(_Model):
    agency: Agency
    number: str = ""
    """Either the bare number ("125"), the full symbol ("125/QĐ-SLĐTBXH") or "" for a draft."""
    date: dt.date


class DecisionDoc(_Doc):
    """Quyết định of the Director awarding titles/forms he decides, with the list annexed.

    Two kinds: the year-end decision recognising the annual titles (``thematic`` False: "Công
    nhận danh hiệu … năm …", grounded on the year's review and the council), and the separate
    decision on a thematic movement's own awards (``thematic`` True: "Tặng Giấy khen … đã có
    thành tích xuất sắc trong phong trào thi đua …", grounded on the movement's plan and its
    summary)."""

    movement_name: str
    year: int
    legal_bases: list[str]
    awards: list[AwardLine]
    base_salary: int
    """The base salary in force on the decision's date."""
    money_basis: str = Field(
        examples=[
            "Điều 50 Nghị định số 152/2025/NĐ-CP ngày 14 tháng 6 năm 2025 của Chính phủ",
        ]
    )
    """Where the money is set (the coefficients' articles of the decree in force on the
    decision's date, ``rules/law``), as Article 2 cites it."""
    recipients: list[str]
    signer: Signer
    funding_source: str
    title: str | None = None
    """Override of the abstract ("Về việc …"); computed from the awards when None."""
    thematic: bool = False
    """The thematic movement's awards (True) or the year's annual titles (False)."""

    def amounts(self) -> list[int | None]:
        return [a.resolved_amount(self.base_salary) for a in self.awards]

    def total_amount(self) -> int:
        return sum(a for a in self.amounts() if a is not None)


class RevocationDoc(_Doc):
    """Quyết định về việc hủy bỏ quyết định khen thưởng, thu hồi hiện vật và tiền thưởng: the
    Director revokes one award he decided (Law 06/2022 art. 93(2), unconfirmed: see
    ``rules/law/instruments.yaml``)."""

    award: AwardLine
    """Who loses which award (its amount: the money to recover)."""
    year: int
    original_number: str = Field(examples=["05/QĐ-SLĐTBXH"])
    original_date: dt.date
    reason: str
    legal_bases: list[str]
    revocation_basis: str = Field(
        examples=["khoản 2 Điều 93 Luật Thi đua, khen thưởng số 06/2022/QH15"]
    )
    """The provision revoking awards, as Article 1 cites it (``rules/law``)."""
    recover_amount: int = Field(ge=0)
    """The award money to recover (what the original decision paid for this award)."""
    fund: str
    """Where the money recovered goes back to (the fund that paid it)."""
    recipients: list[str]
    signer: Signer


class SubmissionDoc(_Doc):
    """Tờ trình to the provincial Emulation–Commendation Board proposing province-level awards."""

    movement_name: str
    year: int
    proposals: list[ProposalLine]
    council_meeting_date: dt.date
    recipients: list[str]
    signer: Signer
    addressee: str = Field(examples=["Ban Thi đua – Khen thưởng tỉnh Bình Phước"])
    """The province's emulation board (the agency profile's ``province_board``)."""
    legal_bases: list[str] = Field(default_factory=list)
    plan_number: str | None = None
    plan_date: dt.date | None = None
    attachments: list[str] = Field(default_factory=list)
    title: str | None = None


class CouncilVote(_Model):
    """The council's secret-ballot result for one nominee."""

    nominee: str
    unit: str
    title_code: str
    title_vi: str
    in_favour: int = Field(ge=0)
    against: int = Field(ge=0)
    abstain: int = Field(ge=0)
    written_votes: int = Field(ge=0)
    """How many of the ballots were sent in writing by absent members (included in the counts)."""
    members_total: int = Field(gt=0)
    threshold: Decimal
    """Share of the members entitled to vote that must agree (0.8 for CSTDCS, else a majority)."""
    passed: bool
    entitled: int | None = Field(default=None, gt=0)
    """Members entitled to vote on this item, the base of its share: all members but those who
    are its nominee (None: all ``members_total``, as tallies recorded before it)."""
    not_entitled: list[str] = Field(default_factory=list)
    """Members who are this item's nominee and did not vote on it."""
    required: int | None = Field(default=None, ge=0)
    """The smallest passing number of votes in favour (None: not recorded)."""

    @model_validator(mode="after")
    def _check_counts(self) -> Self:
        if self.entitled is not None and self.entitled > self.members_total:
            raise ValueError(f"{self.nominee}: more entitled voters than council members")
        if self.in_favour + self.against + self.abstain > self.base:
            raise ValueError(f"{self.nominee}: more ballots than members entitled to vote")
        return self

    @property
    def base(self) -> int:
        """The members the share is counted on: those entitled to vote on this item."""
        return self.entitled if self.entitled is not None else self.members_total

    @property
    def ratio(self) -> Decimal:
        return Decimal(self.in_favour) / Decimal(self.base)

    @classmethod
    def tally(
        cls,
        *,
        nominee: str,
        unit: str,
        title_code: str,
        title_vi: str,
        in_favour: int,
        against: int,
        abstain: int,
        written_votes: int,
        members_total: int,
        threshold: Decimal,
        strictly_above: bool = False,
    ) -> CouncilVote:
        """Build a vote computing ``passed``: in_favour / members_total ≥ threshold (or >)."""
        ratio = Decimal(in_favour) / Decimal(members_total)
        passed = ratio > threshold if strictly_above else ratio >= threshold
        return cls(
            nominee=nominee,
            unit=unit,
            title_code=title_code,
            title_vi=title_vi,
            in_favour=in_favour,
            against=against,
            abstain=abstain,
            written_votes=written_votes,
            members_total=members_total,
            threshold=threshold,
            passed=passed,
        )


class CouncilMinutesDoc(_Doc):
    """Biên bản họp Hội đồng Thi đua – Khen thưởng Sở."""

    place_room: str
    start_time: str = Field(examples=["08 giờ 00 phút"])
    chair: str
    secretary: str
    members_total: int = Field(gt=0)
    present: list[str]
    absent: list[str]
    """Absent members, e.g. "Ông Lê Văn Thắng – Phó Giám đốc Sở (đã gửi phiếu bằng văn bản)"."""
    votes: list[CouncilVote]
    conclusion: str
    signer_chair: Signer
    signer_secretary: Signer
    title: str = "Họp Hội đồng Thi đua – Khen thưởng Sở"
    end_time: str | None = None
    agenda: list[str] = Field(default_factory=list)
    recipients: list[str] = Field(default_factory=list)
    established_by: str | None = None
    """The decision establishing the council (number, date, signer); None: the minutes print a
    placeholder to fill in before signing, never an invented number."""
    quorum_ratio: str | None = None
    """The share of members who had to attend ("2/3"); None: not recorded (older meetings)."""
    quorum_required: int | None = None


class VoteCountDoc(_Doc):
    """Biên bản kiểm phiếu: the counting board's record of the council's secret ballot, an annex
    of the minutes (``number``: the minutes' number; it takes none of its own)."""

    title: str
    place_room: str
    established_by: str | None = None
    minutes_number: str | None = None
    """The number of the meeting's minutes this record goes with."""
    counting_board: list[str] = Field(default_factory=list)
    """The counting board, its head first (empty: not recorded, the record leaves blanks)."""
    members_total: int = Field(gt=0)
    attending: int = Field(ge=0)
    written_votes: int = Field(ge=0)
    quorum_ratio: str | None = None
    quorum_required: int | None = None
    ballots_issued: int = Field(ge=0)
    ballots_received: int = Field(ge=0)
    ballots_invalid: int = Field(ge=0)
    votes: list[CouncilVote]

    @model_validator(mode="after")
    def _check_papers(self) -> Self:
        if not self.ballots_invalid <= self.ballots_received <= self.ballots_issued:
            raise ValueError(
                f"ballot papers: invalid {self.ballots_invalid} ≤ received "
                f"{self.ballots_received} ≤ issued {self.ballots_issued} does not hold"
            )
        return self

    @property
    def ballots_valid(self) -> int:
        return self.ballots_received - self.ballots_invalid


class ReportUnitStats(_Model):
    """Per-unit nominations and results."""

    unit: str
    nominated_individuals: int = Field(ge=0)
    nominated_collectives: int = Field(ge=0)
    granted: dict[str, int] = Field(default_factory=dict)


class ReportDoc(_Doc):
    """Báo cáo tổng hợp kết quả phong trào thi đua (prepared by the Office)."""

    movement_name: str
    year: int
    plan_number: str
    plan_date: dt.date | None = None
    stats_by_unit: list[ReportUnitStats]
    totals_by_title: dict[str, int] = Field(default_factory=dict)
    """Totals per title code; computed from ``stats_by_unit`` when empty, checked otherwise."""
    results_text: list[str]
    returned: int = Field(ge=0)
    on_hold: int = Field(ge=0)
    not_eligible: int = Field(ge=0)
    not_recommended: int = Field(ge=0)
    recipients: list[str]
    signer: Signer
    title: str | None = None

    @model_validator(mode="after")
    def _totals(self) -> Self:
        computed: dict[str, int] = {}
        for row in self.stats_by_unit:
            for code, count in row.granted.items():
                computed[code] = computed.get(code, 0) + count
        if not self.totals_by_title:
            object.__setattr__(self, "totals_by_title", computed)
            return self
        for code in set(computed) | set(self.totals_by_title):
            if computed.get(code, 0) != self.totals_by_title.get(code, 0):
                raise ValueError(
                    f"totals_by_title[{code}]={self.totals_by_title.get(code, 0)} but the units "
                    f"add up to {computed.get(code, 0)}"
                )
        return self

    def title_codes(self) -> list[str]:
        """Title codes in column order: known codes first (fixed order), then the rest."""
        order = list(TITLE_SHORT_VI)
        codes = set(self.totals_by_title)
        for row in self.stats_by_unit:
            codes |= set(row.granted)
        return sorted(codes, key=lambda c: (order.index(c) if c in order else len(order), c))


#: Any document the product issues.
AnyDoc = DecisionDoc | SubmissionDoc | CouncilMinutesDoc | ReportDoc | RevocationDoc | VoteCountDoc
