"""Realistic sample documents built from :mod:`thidua.app.sample_data` (for tests and previews).

All people are the fictitious staff of the sample data. The Department's functions decision is
cited without a number on purpose: the sample does not invent a real provincial decision.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from rules.law import shipped_law
from rules.registry import RulesRegistry
from thidua.app.sample_data import MOVEMENT, SAMPLE_DATASET, STAFF, UNITS
from thidua.domain.agency import AgencyProfile, parse_profile_yaml
from thidua.domain.documents import document_title
from thidua.domain.documents.context import collective_unit_label, document_agency, money_basis
from thidua.domain.documents.models import (
    Agency,
    AwardLine,
    CouncilMinutesDoc,
    CouncilVote,
    DecisionDoc,
    ProposalLine,
    ReportDoc,
    ReportUnitStats,
    RevocationDoc,
    Signer,
    SubmissionDoc,
)
from thidua.domain.documents.text import date_long_vi

__all__ = [
    "sample_agency",
    "sample_decision",
    "sample_minutes",
    "sample_movement_decision",
    "sample_report",
    "sample_revocation",
    "sample_submission",
]


@functools.cache
def _title_vi(code: str) -> str:
    """A title's name as documents print it, from the shipped ruleset in force for the sample."""
    ruleset = RulesRegistry.from_directory().in_force(_COUNCIL_DATE)
    return document_title(ruleset.titles[code].name_vi)


_UNITS = {u.code: u for u in UNITS}
_STAFF = {s.full_name: s for s in STAFF}
_PLAN_DATE = MOVEMENT.plan_date
_COUNCIL_DATE = dt.date(2024, 12, 20)
_DEPUTY = "Nguyễn Thị Thu Hằng"
#: The sample decisions' date: it chooses the law, the decree, the coefficients and base salary.
_DECIDED_ON = dt.date(2024, 12, 25)


def _coefficient(code: str, *, collective: bool) -> Decimal | None:
    """The coefficient of ``code`` in force on the sample decisions' date (rules/law)."""
    coef = shipped_law().coefficient(code, _DECIDED_ON, collective=collective)
    return coef.value if coef is not None else None


def _director_name() -> str:
    return next(s.full_name for s in STAFF if s.position == "Giám đốc")


@functools.cache
def sample_profile() -> AgencyProfile:
    """The sample Department's agency profile (``datasets/sample/agency.yaml``)."""
    return parse_profile_yaml((SAMPLE_DATASET / "agency.yaml").read_text(encoding="utf-8"))


def sample_agency() -> Agency:
    return document_agency(sample_profile())


def _director() -> Signer:
    return Signer(position="GIÁM ĐỐC", name=_director_name())


def _person(name: str, code: str) -> AwardLine:
    staff = _STAFF[name]
    return AwardLine(
        name=name,
        position=staff.position,
        unit=_UNITS[staff.unit_code].name,
        title_code=code,
        title_vi=_title_vi(code),
        coefficient=_coefficient(code, collective=False),
    )


def _collective(unit_code: str, code: str) -> AwardLine:
    unit = _UNITS[unit_code]
    return AwardLine(
        name=unit.name,
        position=None,
        unit=collective_unit_label(unit.kind),
        title_code=code,
        title_vi=_title_vi(code),
        coefficient=_coefficient(code, collective=True),
        is_collective=True,
    )


def _plan_ref() -> str:
    return (
        f"Kế hoạch số {MOVEMENT.plan_number} ngày {_PLAN_DATE:%d/%m/%Y} của "
        f"{sample_profile().text_name} về phát động phong trào thi đua “{MOVEMENT.name}” năm "
        f"{MOVEMENT.year}"
    )


def _decision_bases(*, thematic: bool) -> list[str]:
    """The annual titles' decision rests on the year's review, the movement's on its plan."""
    grounds = (
        [f"Căn cứ {_plan_ref()}"]
        if thematic
        else [
            f"Căn cứ kết quả đánh giá, xếp loại và bình xét thi đua năm {MOVEMENT.year} của các "
            "phòng, đơn vị thuộc Sở"
        ]
    )
    return [
        *sample_profile().competence_basis,
        *shipped_law().basis_lines(_DECIDED_ON),
        *grounds,
        "Theo đề nghị của Hội đồng Thi đua – Khen thưởng Sở tại Biên bản họp "
        f"{date_long_vi(_COUNCIL_DATE)} và của Chánh Văn phòng Sở",
    ]


_DECISION_RECIPIENTS = [
    "Như Điều 3;",
    "Ban Thi đua – Khen thưởng tỉnh;",
    "GĐ, các PGĐ Sở;",
    "Lưu: VT, VP.",
]


def sample_decision() -> DecisionDoc:
    """The Director's decision on the 2024 titles (CSTDCS, LDTT, TTLDTT) with the annex."""
    cstdcs = ["Võ Thanh Sơn", "Đinh Thị Phương Thảo", "Lê Thị Minh Nguyệt"]
    ldtt = [
        "Nguyễn Thị Ngọc Hân",
        "Trần Văn Hải",
        "Mai Văn Tâm",
        "Huỳnh Thị Mỹ Linh",
        "Đặng Văn Lợi",
        "Nguyễn Văn Phong",
        "Trần Thị Ngọc Hà",
        "Vũ Văn Quyết",
    ]
    awards = [_collective(u, "TTLDTT") for u in ("LDVL", "GDNN", "TTDVVL")]
    awards += [_person(n, "CSTDCS") for n in cstdcs]
    awards += [_person(n, "LDTT") for n in ldtt]
    return DecisionDoc(
        agency=sample_agency(),
        number="125",
        date=_DECIDED_ON,
        movement_name=MOVEMENT.name,
        year=MOVEMENT.year,
        legal_bases=_decision_bases(thematic=False),
        awards=awards,
        base_salary=shipped_law().base_salary(_DECIDED_ON).vnd,
        money_basis=money_basis(shipped_law(), awards, _DECIDED_ON),
        recipients=_DECISION_RECIPIENTS,
        signer=_director(),
        funding_source=f"Quỹ thi đua, khen thưởng của Sở năm {MOVEMENT.year}",
    )


def sample_movement_decision() -> DecisionDoc:
    """The Director's decision on the movement's certificates of merit (GIAY_KHEN)."""
    people = ["Trần Thị Hoài Thương", "Phạm Thị Thanh Tâm", "Hoàng Minh Nhật", "Lê Thị Thùy Dung"]
    awards = [_collective(u, "GIAY_KHEN") for u in ("NCC", "TTCTXH")]
    awards += [_person(n, "GIAY_KHEN") for n in people]
    return DecisionDoc(
        agency=sample_agency(),
        number="126",
        date=_DECIDED_ON,
        movement_name=MOVEMENT.name,
        year=MOVEMENT.year,
        legal_bases=_decision_bases(thematic=True),
        awards=awards,
        base_salary=shipped_law().base_salary(_DECIDED_ON).vnd,
        money_basis=money_basis(shipped_law(), awards, _DECIDED_ON),
        recipients=_DECISION_RECIPIENTS,
        signer=Signer(position="PHÓ GIÁM ĐỐC", name=_DEPUTY, on_behalf="KT. GIÁM ĐỐC"),
        funding_source=f"Quỹ thi đua, khen thưởng của Sở năm {MOVEMENT.year}",
        thematic=True,
    )


def sample_revocation() -> RevocationDoc:
    """The Director revokes one of the sample decision's LĐTT titles (false records)."""
    line = _person("Vũ Văn Quyết", "LDTT")
    on = dt.date(2025, 3, 10)
    provision = shipped_law().provision("REVOKE_AWARD", on)
    assert provision is not None
    return RevocationDoc(
        agency=sample_agency(),
        number="18",
        date=on,
        award=line.model_copy(update={"amount": line.resolved_amount(2_340_000)}),
        year=MOVEMENT.year,
        original_number=f"125/QĐ-{sample_profile().symbol}",
        original_date=_DECIDED_ON,
        reason="Kê khai không trung thực số tháng công tác trong năm 2024",
        legal_bases=[*sample_profile().competence_basis, *shipped_law().basis_lines(on)],
        revocation_basis=provision.citation,
        recover_amount=line.resolved_amount(2_340_000) or 0,
        fund=f"Quỹ thi đua, khen thưởng của Sở năm {MOVEMENT.year}",
        recipients=["Như Điều 3;", "Lưu: VT, VP."],
        signer=_director(),
    )


def sample_submission() -> SubmissionDoc:
    """Tờ trình proposing TTLDXS and the provincial certificate of merit."""

    def proposal(line: AwardLine, achievements: str) -> ProposalLine:
        return ProposalLine(**line.model_dump(), achievements=achievements)

    proposals = [
        proposal(
            _collective("BTXH", "TTLDXS"),
            "Hoàn thành xuất sắc nhiệm vụ năm 2024; 100% công chức hoàn thành nhiệm vụ trở "
            "lên, 83% đạt Lao động tiên tiến, 01 Chiến sĩ thi đua cơ sở; tham mưu chi trả kịp "
            "thời trợ cấp xã hội cho các đối tượng bảo trợ tại các xã xây dựng nông thôn mới.",
        ),
        proposal(
            _person("Võ Thanh Sơn", "BANG_KHEN_UBND_TINH"),
            "Hai năm liền (2023, 2024) đạt danh hiệu Chiến sĩ thi đua cơ sở; chủ trì tham mưu "
            "giải quyết việc làm cho 1.250 lao động nông thôn, vượt 12% chỉ tiêu được giao.",
        ),
        proposal(
            _person("Lê Thị Minh Nguyệt", "BANG_KHEN_UBND_TINH"),
            "Hai năm liền hoàn thành xuất sắc nhiệm vụ; 02 sáng kiến được công nhận và áp dụng "
            "về rà soát hộ nghèo, hộ cận nghèo tại các xã phấn đấu đạt chuẩn nông thôn mới.",
        ),
    ]
    return SubmissionDoc(
        agency=sample_agency(),
        number="130",
        date=dt.date(2024, 12, 26),
        movement_name=MOVEMENT.name,
        year=MOVEMENT.year,
        proposals=proposals,
        council_meeting_date=_COUNCIL_DATE,
        recipients=["Như trên;", "GĐ, các PGĐ Sở;", "Lưu: VT, VP."],
        signer=_director(),
        addressee=sample_profile().board,
        legal_bases=[f"{b};" for b in shipped_law().basis_lines(dt.date(2024, 12, 26))],
        attachments=[
            "Báo cáo thành tích của các tập thể, cá nhân (có xác nhận của Thủ trưởng đơn vị);",
            f"Biên bản họp Hội đồng Thi đua – Khen thưởng Sở ngày {_COUNCIL_DATE:%d/%m/%Y};",
            "Bản sao quyết định công nhận sáng kiến và danh hiệu thi đua các năm 2023, 2024.",
        ],
    )


_MEMBERS = (
    ("Trương Minh Khôi", "Giám đốc Sở, Chủ tịch Hội đồng"),
    ("Nguyễn Thị Thu Hằng", "Phó Giám đốc Sở, Phó Chủ tịch Hội đồng"),
    ("Lê Văn Thắng", "Phó Giám đốc Sở, Phó Chủ tịch Hội đồng"),
    ("Phạm Hữu Lộc", "Phó Giám đốc Sở, Phó Chủ tịch Hội đồng"),
    ("Trần Thị Bích Ngọc", "Chánh Văn phòng Sở, Ủy viên thường trực"),
    ("Huỳnh Văn Phúc", "Chánh Thanh tra Sở, Ủy viên"),
    ("Võ Thanh Sơn", "Trưởng phòng Lao động – Việc làm – An toàn lao động, Ủy viên"),
    ("Đinh Thị Phương Thảo", "Trưởng phòng Giáo dục nghề nghiệp, Ủy viên"),
    ("Phan Văn Tài", "Trưởng phòng Người có công, Ủy viên"),
    ("Lê Thị Minh Nguyệt", "Trưởng phòng Bảo trợ xã hội, Ủy viên"),
    ("Hồ Thị Thu Trang", "Trưởng phòng Trẻ em – Bình đẳng giới, Ủy viên"),
)
_ABSENT = ("Lê Văn Thắng", "Phan Văn Tài")


def _honorific(name: str) -> str:
    return "Bà" if _STAFF[name].gender == "nu" else "Ông"


def sample_minutes() -> CouncilMinutesDoc:
    """Minutes of the council meeting: 11 members, 2 absent voting in writing."""
    total = len(_MEMBERS)
    present = [f"{_honorific(n)} {n} – {role}" for n, role in _MEMBERS if n not in _ABSENT]
    absent = [
        f"{_honorific(n)} {n} – {role} (đã gửi phiếu bằng văn bản)"
        for n, role in _MEMBERS
        if n in _ABSENT
    ]
    cstdcs, majority = Decimal("0.8"), Decimal("0.5")
    rows = (
        ("Võ Thanh Sơn", "LDVL", "CSTDCS", 11, 0, 0),
        ("Đinh Thị Phương Thảo", "GDNN", "CSTDCS", 10, 1, 0),
        ("Lê Thị Minh Nguyệt", "BTXH", "CSTDCS", 9, 1, 1),
        ("Trần Văn Hải", "LDVL", "CSTDCS", 8, 2, 1),
        ("Phòng Lao động – Việc làm – An toàn lao động", "LDVL", "TTLDTT", 11, 0, 0),
        ("Phòng Giáo dục nghề nghiệp", "GDNN", "TTLDTT", 10, 0, 1),
        ("Trung tâm Dịch vụ việc làm", "TTDVVL", "TTLDTT", 9, 1, 1),
        ("Phòng Bảo trợ xã hội", "BTXH", "TTLDXS", 10, 1, 0),
        ("Võ Thanh Sơn", "LDVL", "BANG_KHEN_UBND_TINH", 11, 0, 0),
        ("Lê Thị Minh Nguyệt", "BTXH", "BANG_KHEN_UBND_TINH", 10, 0, 1),
    )
    votes = [
        CouncilVote.tally(
            nominee=nominee,
            unit=_UNITS[unit].name,
            title_code=code,
            title_vi=_title_vi(code),
            in_favour=yes,
            against=no,
            abstain=blank,
            written_votes=len(_ABSENT),
            members_total=total,
            threshold=cstdcs if code == "CSTDCS" else majority,
            strictly_above=code != "CSTDCS",
        )
        for nominee, unit, code, yes, no, blank in rows
    ]
    chair = _director_name()
    return CouncilMinutesDoc(
        agency=sample_agency(),
        number="05/BB-HĐTĐKT",
        date=_COUNCIL_DATE,
        place_room=f"Phòng họp tầng 3, trụ sở {sample_profile().text_name}",
        start_time="08 giờ 00 phút",
        chair=f"Ông {chair} – Giám đốc Sở, Chủ tịch Hội đồng",
        secretary="Ông Hoàng Văn Dũng – Phó Chánh Văn phòng Sở, Thư ký Hội đồng",
        members_total=total,
        present=present,
        absent=absent,
        votes=votes,
        conclusion=(
            "Hội đồng thống nhất đề nghị Giám đốc Sở tặng danh hiệu “Chiến sĩ thi đua cơ sở” "
            "cho 03 cá nhân, danh hiệu “Tập thể lao động tiên tiến” cho 03 tập thể; đề nghị "
            "Chủ tịch Ủy ban nhân dân tỉnh tặng danh hiệu “Tập thể lao động xuất sắc” cho 01 "
            "tập thể và Bằng khen cho 02 cá nhân. Ông Trần Văn Hải không đạt tỷ lệ phiếu đồng ý "
            "tối thiểu (80% tổng số thành viên Hội đồng) đối với danh hiệu “Chiến sĩ thi đua cơ "
            "sở”, Hội đồng đề nghị công nhận danh hiệu “Lao động tiên tiến”. Giao Văn phòng Sở "
            "hoàn thiện hồ sơ, trình Giám đốc Sở ban hành quyết định khen thưởng và tờ trình đề "
            "nghị cấp trên khen thưởng theo quy định."
        ),
        signer_chair=Signer(position="CHỦ TỊCH HỘI ĐỒNG", name=chair),
        signer_secretary=Signer(position="THƯ KÝ", name="Hoàng Văn Dũng"),
        title=(
            "Họp Hội đồng Thi đua – Khen thưởng Sở xét danh hiệu thi đua và hình thức khen "
            f"thưởng năm {MOVEMENT.year}"
        ),
        end_time="10 giờ 30 phút",
        agenda=[
            "Văn phòng Sở (cơ quan thường trực của Hội đồng) báo cáo tổng hợp hồ sơ đề nghị khen "
            "thưởng của các phòng, đơn vị và kết quả thẩm định theo tiêu chuẩn của "
            f"{shipped_law().law(_COUNCIL_DATE).citation} và Nghị định số "
            f"{shipped_law().decree(_COUNCIL_DATE).number}.",
            "Các thành viên Hội đồng thảo luận, nhận xét thành tích của từng tập thể, cá nhân.",
        ],
    )


def sample_report() -> ReportDoc:
    """The Office's consolidated report on the movement's results."""
    # unit code: (nominated individuals, nominated collectives, granted)
    table = {
        "VP": (3, 0, {"LDTT": 2, "GIAY_KHEN": 0}),
        "TTRA": (2, 0, {"LDTT": 1}),
        "LDVL": (4, 1, {"CSTDCS": 1, "LDTT": 2, "TTLDTT": 1, "GIAY_KHEN": 1}),
        "GDNN": (3, 1, {"CSTDCS": 1, "LDTT": 1, "TTLDTT": 1}),
        "NCC": (3, 1, {"LDTT": 1, "GIAY_KHEN": 2}),
        "BTXH": (4, 1, {"CSTDCS": 1, "LDTT": 1, "GIAY_KHEN": 1}),
        "TEBDG": (2, 0, {"LDTT": 1}),
        "TTDVVL": (3, 1, {"LDTT": 1, "TTLDTT": 1, "GIAY_KHEN": 1}),
        "TTCTXH": (2, 1, {"LDTT": 1, "GIAY_KHEN": 1}),
        "CSCN": (2, 0, {"LDTT": 1}),
    }
    stats = [
        ReportUnitStats(
            unit=_UNITS[code].name,
            nominated_individuals=ind,
            nominated_collectives=col,
            granted={k: v for k, v in granted.items() if v},
        )
        for code, (ind, col, granted) in table.items()
    ]
    return ReportDoc(
        agency=sample_agency(),
        number="140",
        date=dt.date(2024, 12, 27),
        movement_name=MOVEMENT.name,
        year=MOVEMENT.year,
        plan_number=MOVEMENT.plan_number,
        plan_date=_PLAN_DATE,
        stats_by_unit=stats,
        results_text=[
            "1. Thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới: các phòng, đơn "
            "vị đã gắn phong trào với Cuộc vận động “Toàn dân đoàn kết xây dựng nông thôn mới, "
            "đô thị văn minh” và phong trào “Cả nước chung tay vì người nghèo – Không để ai bị "
            "bỏ lại phía sau”; 100% công chức, viên chức tham gia đăng ký thi đua.",
            "2. Thực hiện các chỉ tiêu nhiệm vụ năm 2024: tỷ lệ hộ nghèo giảm 0,8%, vượt 0,1% "
            "chỉ tiêu; đào tạo nghề cho 6.200 lao động nông thôn, đạt 103% kế hoạch; giải quyết "
            "việc làm cho 31.500 lao động, đạt 105% kế hoạch.",
            "3. Chính sách an sinh xã hội: chi trả kịp thời, đúng đối tượng các chế độ trợ cấp; "
            "05 sáng kiến, giải pháp được công nhận cấp cơ sở, trong đó 02 sáng kiến về rà soát "
            "hộ nghèo tại các xã phấn đấu đạt chuẩn nông thôn mới nâng cao.",
            "4. Tuyên truyền, vận động: tổ chức 24 buổi tuyên truyền tại các xã; vận động doanh "
            "nghiệp, nhà hảo tâm đóng góp 1,2 tỷ đồng hỗ trợ xây dựng nhà tình nghĩa, nhà đại "
            "đoàn kết cho hộ nghèo.",
        ],
        returned=3,
        on_hold=1,
        not_eligible=2,
        not_recommended=1,
        recipients=[
            "Ban Thi đua – Khen thưởng tỉnh;",
            "GĐ, các PGĐ Sở;",
            "Các phòng, đơn vị thuộc Sở;",
            "Lưu: VT, VP.",
        ],
        signer=Signer(position="PHÓ GIÁM ĐỐC", name=_DEPUTY, on_behalf="KT. GIÁM ĐỐC"),
    )
