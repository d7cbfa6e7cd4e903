"""The layout of the vote-counting record (Biên bản kiểm phiếu) of the council's secret ballot."""

from __future__ import annotations

from thidua.domain.documents.models import Signer, VoteCountDoc
from thidua.domain.documents.register import draft_number
from thidua.domain.documents.text import count_vi, date_long_vi, threshold_vi

from .blocks import Block, DualSignature, header, heading, p
from .minutes import established_line, not_voting_lines, votes_table

#: Where the counting board was not recorded: a blank to fill in by hand.
_BLANK = "……………………"


def vote_count_blocks(doc: VoteCountDoc) -> list[Block]:
    agency = doc.agency
    # An annex of the minutes: no number of its own, the minutes' (blank while a draft).
    parent = doc.minutes_number or draft_number("minutes", agency.short)
    symbol = f"Kèm theo Biên bản số {parent}"
    board = doc.counting_board
    blocks: list[Block] = [
        header(agency, symbol, doc.date),
        *heading("BIÊN BẢN", doc.title),
        p("", after=0),
        p(
            f"Vào {date_long_vi(doc.date)}, tại {doc.place_room}, Ban kiểm phiếu của cuộc họp "
            f"Hội đồng Thi đua – Khen thưởng {agency.full_name} tiến hành kiểm phiếu bầu kín."
        ),
        p(established_line(doc.established_by)),
    ]
    blocks.append(p("I. BAN KIỂM PHIẾU", bold=True, keep=True))
    if board:
        blocks.append(p(f"- Trưởng ban: {board[0]};"))
        blocks += [p(f"- Thành viên: {name};") for name in board[1:]]
    else:
        blocks.append(
            p(f"- Trưởng ban: {_BLANK}; thành viên: {_BLANK} (chưa ghi: bổ sung trước khi ký).")
        )
    blocks.append(p("II. SỐ THÀNH VIÊN VÀ SỐ PHIẾU", bold=True, keep=True))
    blocks.append(
        p(
            f"- Tổng số thành viên Hội đồng: {count_vi(doc.members_total)}; có mặt: "
            f"{count_vi(doc.attending)}; vắng mặt gửi phiếu bằng văn bản: "
            f"{count_vi(doc.written_votes)}."
        )
    )
    if doc.quorum_ratio and doc.quorum_required:
        blocks.append(
            p(
                f"- Số thành viên có mặt đạt từ {doc.quorum_ratio} tổng số thành viên trở lên "
                f"(tối thiểu {count_vi(doc.quorum_required)}): cuộc họp hợp lệ."
            )
        )
    blocks += [
        p(f"- Số phiếu phát ra: {count_vi(doc.ballots_issued)};"),
        p(f"- Số phiếu thu về: {count_vi(doc.ballots_received)};"),
        p(f"- Số phiếu hợp lệ: {count_vi(doc.ballots_valid)};"),
        p(f"- Số phiếu không hợp lệ: {count_vi(doc.ballots_invalid)}."),
    ]
    thresholds = sorted({(v.title_vi, v.threshold) for v in doc.votes})
    rule_text = "; ".join(f"{vi}: {threshold_vi(th)}" for vi, th in thresholds)
    blocks.append(p("III. KẾT QUẢ KIỂM PHIẾU", bold=True, keep=True))
    blocks.append(
        p(
            "Tỷ lệ phiếu đồng ý của mỗi nội dung tính trên số thành viên Hội đồng có quyền biểu "
            "quyết nội dung đó (tổng số thành viên, trừ thành viên là người được đề nghị), kể cả "
            f"phiếu bằng văn bản (ngưỡng đạt – {rule_text}):",
            keep=True,
        )
    )
    blocks.append(votes_table(doc.votes))
    blocks += [p(line) for line in not_voting_lines(doc.votes)]
    passed = sum(1 for v in doc.votes if v.passed)
    blocks.append(
        p(
            f"Tổng số: {count_vi(len(doc.votes))} nội dung được bỏ phiếu; {count_vi(passed)} "
            f"nội dung đạt; {count_vi(len(doc.votes) - passed)} nội dung không đạt.",
            before=6,
        )
    )
    blocks.append(
        p(
            "Ban kiểm phiếu đã công bố kết quả trước Hội đồng; biên bản được lập xong cùng ngày "
            "và các thành viên Ban kiểm phiếu thống nhất ký tên./.",
            keep=True,
        )
    )
    head = board[0] if board else _BLANK
    others = "; ".join(board[1:]) if len(board) > 1 else _BLANK
    blocks.append(
        DualSignature(
            Signer(position="CÁC THÀNH VIÊN BAN KIỂM PHIẾU", name=others),
            Signer(position="TRƯỞNG BAN KIỂM PHIẾU", name=head),
        )
    )
    return blocks
