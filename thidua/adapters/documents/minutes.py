"""The layout of the council's minutes (Biên bản họp Hội đồng)."""

from __future__ import annotations

from collections.abc import Sequence

from thidua.domain.documents.models import (
    CouncilMinutesDoc,
    CouncilVote,
)
from thidua.domain.documents.text import (
    count_vi,
    date_long_vi,
    number_symbol,
    percent_vi,
    threshold_vi,
)
from thidua.domain.documents.wording import ESTABLISHED_BY_PLACEHOLDER

from .blocks import (
    Block,
    Cell,
    Column,
    DualSignature,
    Table,
    header,
    heading,
    p,
)

# ----------------------------------------------------------------------------- minutes


def votes_table(votes: Sequence[CouncilVote]) -> Table:
    """The secret ballot's result per item: for, against, abstaining, the members entitled to
    vote on it (the base), the share of them in favour and the result (the minutes and the
    vote-counting record print the same table)."""
    columns = (
        Column("STT", 9, "center"),
        Column("Họ và tên / Tập thể, đơn vị", 37),
        Column("Danh hiệu, hình thức", 24),
        Column("Số TV có quyền biểu quyết", 16, "center"),
        Column("Đồng ý", 12, "center"),
        Column("Không đồng ý", 14, "center"),
        Column("Không ý kiến", 14, "center"),
        Column("Tỷ lệ đồng ý", 14, "center"),
        Column("Kết quả", 25, "center"),
    )
    rows: list[tuple[Cell, ...]] = []
    for n, v in enumerate(votes, start=1):
        who = v.nominee if v.nominee == v.unit else f"{v.nominee}\n({v.unit})"
        rows.append(
            (
                Cell(str(n)),
                Cell(who),
                Cell(v.title_vi),
                Cell(str(v.base)),
                Cell(str(v.in_favour)),
                Cell(str(v.against)),
                Cell(str(v.abstain)),
                Cell(percent_vi(v.ratio)),
                Cell(result_vi(v), bold=not v.passed),
            )
        )
    return Table(columns, tuple(rows), size=11.0)


def result_vi(v: CouncilVote) -> str:
    """ "Đạt (cần 8/9)": the result with the votes it needed of the base, when recorded."""
    text = "Đạt" if v.passed else "Không đạt"
    return f"{text} (cần {v.required}/{v.base})" if v.required is not None else text


def not_voting_lines(votes: Sequence[CouncilVote]) -> list[str]:
    """One line per item a member did not vote on, being its nominee."""
    return [
        f"- {', '.join(v.not_entitled)} không biểu quyết đối với {v.title_vi} của chính mình "
        f"(số thành viên có quyền biểu quyết: {count_vi(v.base)}/{count_vi(v.members_total)})."
        for v in votes
        if v.not_entitled
    ]


def established_line(established_by: str | None) -> str:
    """Whose council this is: the establishing decision, or the visible placeholder."""
    return (
        "Hội đồng Thi đua – Khen thưởng Sở được thành lập (kiện toàn) theo "
        f"{established_by or ESTABLISHED_BY_PLACEHOLDER}."
    )


def minutes_blocks(doc: CouncilMinutesDoc) -> list[Block]:
    agency = doc.agency
    symbol = number_symbol(doc.number, "BB-HĐTĐKT", agency)
    blocks: list[Block] = [
        header(agency, symbol, doc.date),
        *heading("BIÊN BẢN", doc.title),
        p("", after=0),
        p("I. THỜI GIAN, ĐỊA ĐIỂM", bold=True, keep=True),
        p(
            f"Vào lúc {doc.start_time}, {date_long_vi(doc.date)}, tại {doc.place_room}, Hội đồng "
            f"Thi đua – Khen thưởng {agency.full_name} tổ chức họp xét đề nghị khen thưởng."
        ),
        p(established_line(doc.established_by)),
        p("II. THÀNH PHẦN", bold=True, keep=True),
        p(f"- Chủ trì: {doc.chair}."),
        p(f"- Thư ký: {doc.secretary}."),
        p(
            f"- Thành viên Hội đồng có mặt: {count_vi(len(doc.present))}/"
            f"{count_vi(doc.members_total)} thành viên, gồm:",
            keep=True,
        ),
    ]
    blocks += [p(f"+ {name};") for name in doc.present]
    if doc.absent:
        blocks.append(p(f"- Vắng mặt: {count_vi(len(doc.absent))} thành viên:", keep=True))
        blocks += [p(f"+ {name};") for name in doc.absent]
    if doc.quorum_ratio and doc.quorum_required:
        blocks.append(
            p(
                f"Số thành viên có mặt ({count_vi(len(doc.present))}/"
                f"{count_vi(doc.members_total)}) đạt từ {doc.quorum_ratio} tổng số thành viên "
                f"trở lên (tối thiểu {count_vi(doc.quorum_required)} thành viên): cuộc họp hợp "
                "lệ theo quy chế hoạt động của Hội đồng."
            )
        )
    blocks.append(p("III. NỘI DUNG", bold=True, keep=True))
    blocks += [p(item) for item in doc.agenda]
    thresholds = sorted({(v.title_vi, v.threshold) for v in doc.votes})
    rule_text = "; ".join(f"{vi}: {threshold_vi(th)}" for vi, th in thresholds)
    blocks.append(
        p(
            "Hội đồng tiến hành bỏ phiếu kín. Tỷ lệ phiếu đồng ý được tính trên tổng số "
            f"{count_vi(doc.members_total)} thành viên Hội đồng, kể cả phiếu bằng văn bản của "
            "thành viên vắng mặt; thành viên là người được đề nghị không biểu quyết nội dung "
            "của mình và không tính vào số thành viên có quyền biểu quyết nội dung đó (ngưỡng "
            f"đạt – {rule_text}). Kết quả kiểm phiếu như sau:",
            keep=True,
        )
    )
    blocks.append(votes_table(doc.votes))
    blocks += [p(line) for line in not_voting_lines(doc.votes)]
    passed = sum(1 for v in doc.votes if v.passed)
    blocks.append(
        p(
            f"Tổng số: {count_vi(len(doc.votes))} trường hợp được bỏ phiếu; "
            f"{count_vi(passed)} trường hợp đạt; {count_vi(len(doc.votes) - passed)} "
            "trường hợp không đạt.",
            before=6,
        )
    )
    blocks.append(p("IV. KẾT LUẬN", bold=True, keep=True))
    blocks.append(p(doc.conclusion))
    ending = (
        f"Cuộc họp kết thúc vào lúc {doc.end_time} cùng ngày. "
        if doc.end_time
        else "Cuộc họp kết thúc cùng ngày. "
    )
    blocks.append(
        p(
            ending
            + "Biên bản đã được thông qua trước các thành viên dự họp và thống nhất ký tên./.",
            keep=True,
        )
    )
    blocks.append(DualSignature(doc.signer_secretary, doc.signer_chair, tuple(doc.recipients)))
    return blocks
