"""The fixed wording of a round's documents: kinds, symbols, the agency, legal bases, recipients.

These are the sample Department's values, written here as they were in the 2024 round. They are
the law and the agency, so they are to become dated data (the agency profile and the ruleset's
legal bases); until then every document of every round uses them.
"""

from __future__ import annotations

from thidua.domain.documents.models import Agency

__all__ = [
    "AGENCY",
    "CODE_ORDER",
    "DECISION_RECIPIENTS",
    "DECREE",
    "DIRECTOR_POSITION",
    "DIRECTOR_UNIT",
    "DOCUMENT_KINDS",
    "DOCUMENT_SYMBOLS",
    "LAW",
    "MOVEMENT_CONTENTS",
    "NUMBER_OFFSET",
    "RATING_VI",
    "REPORT_RECIPIENTS",
    "SUBMISSION_RECIPIENTS",
    "next_number",
]

#: Kinds in generation order (the minutes come before the decision, which cites their number).
DOCUMENT_KINDS: tuple[str, ...] = ("report", "minutes", "decision", "submission")

#: The symbol after the number ("101/QĐ-SLĐTBXH").
DOCUMENT_SYMBOLS: dict[str, str] = {
    "report": "BC-SLĐTBXH",
    "minutes": "BB-HĐTĐKT",
    "decision": "QĐ-SLĐTBXH",
    "submission": "TTr-SLĐTBXH",
}

#: Numbers of a kind start at NUMBER_OFFSET + 1 (101, 102, ...).
NUMBER_OFFSET = 100

AGENCY = Agency(
    parent="UBND TỈNH BÌNH PHƯỚC",
    name="SỞ LAO ĐỘNG – THƯƠNG BINH VÀ XÃ HỘI",
    short="SLĐTBXH",
    place="Bình Phước",
)

DIRECTOR_UNIT = "BGD"
DIRECTOR_POSITION = "Giám đốc"

LAW = "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022"
DECREE = (
    "Căn cứ Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ quy định chi "
    "tiết thi hành một số điều của Luật Thi đua, khen thưởng"
)

DECISION_RECIPIENTS = ["Như Điều 3;", "Ban Thi đua – Khen thưởng tỉnh;", "Lưu: VT, VP."]
SUBMISSION_RECIPIENTS = ["Như trên;", "GĐ, các PGĐ Sở;", "Lưu: VT, VP."]
REPORT_RECIPIENTS = [
    "Ban Thi đua – Khen thưởng tỉnh;",
    "GĐ, các PGĐ Sở;",
    "Các phòng, đơn vị thuộc Sở;",
    "Lưu: VT, VP.",
]

#: Order of title groups in lists: the higher title first, titles before forms.
CODE_ORDER: tuple[str, ...] = (
    "CSTDCS",
    "LDTT",
    "TTLDXS",
    "TTLDTT",
    "GIAY_KHEN",
    "BANG_KHEN_UBND_TINH",
)

RATING_VI: dict[str, str] = {
    "HTXSNV": "Hoàn thành xuất sắc nhiệm vụ",
    "HTTNV": "Hoàn thành tốt nhiệm vụ",
    "HTNV": "Hoàn thành nhiệm vụ",
    "KHTNV": "Không hoàn thành nhiệm vụ",
}

#: The plan's four contents (Kế hoạch phát động phong trào), short labels for the report.
MOVEMENT_CONTENTS: tuple[tuple[str, str], ...] = (
    (
        "c1",
        "Thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới, gắn với Cuộc vận động "
        "“Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh” và phong trào “Cả nước chung "
        "tay vì người nghèo – Không để ai bị bỏ lại phía sau”",
    ),
    (
        "c2",
        "Hoàn thành và vượt các chỉ tiêu nhiệm vụ chính trị năm {year}, trọng tâm là giảm nghèo, "
        "giáo dục nghề nghiệp, lao động và việc làm",
    ),
    (
        "c3",
        "Thực hiện tốt các chính sách an sinh xã hội; sáng kiến, mô hình hay, cách làm mới giúp "
        "đẩy nhanh xây dựng nông thôn mới",
    ),
    (
        "c4",
        "Tuyên truyền, vận động cán bộ, doanh nghiệp và người dân đóng góp nguồn lực, tạo đồng "
        "thuận xã hội",
    ),
)


def next_number(kind: str, issued_so_far: int, taken: set[str]) -> str:
    """ "101/QĐ-SLĐTBXH": the documents of that kind so far + 1 + the offset, skipping a taken one."""
    symbol = DOCUMENT_SYMBOLS[kind]
    n = NUMBER_OFFSET + 1 + issued_so_far
    while f"{n}/{symbol}" in taken:
        n += 1
    return f"{n}/{symbol}"
