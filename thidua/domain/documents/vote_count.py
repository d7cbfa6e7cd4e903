"""The vote-counting record (biên bản kiểm phiếu) of the council's secret ballot.

Built from the stored tallies and the meeting's count (``CouncilMeetingRecord.details``, see
:func:`thidua.domain.council.count_meeting`): the counting board, the ballot papers issued,
received, valid and invalid, and per item the votes for, against and abstaining, the members
entitled to vote on it (its base), who did not vote on their own item, the share, the votes
needed and the result. A meeting recorded before the count was kept has its papers counted from
the members' attendance (one per member present or voting in writing, all received and valid).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from thidua.domain.documents.context import RoundContext, int_of
from thidua.domain.documents.minutes import council_votes, established_by
from thidua.domain.documents.models import VoteCountDoc

__all__ = ["build_vote_count"]


def build_vote_count(ctx: RoundContext, number: str, issued_on: date) -> VoteCountDoc | None:
    """The counting board's record of the meeting (None when the council has not met)."""
    meeting = ctx.meeting
    if meeting is None:
        return None
    voted = council_votes(ctx)
    if not voted:
        return None
    members = [m for m in meeting.members if isinstance(m, Mapping)]
    details = meeting.details
    written = sum(1 for m in members if m.get("written_vote"))
    attending = sum(1 for m in members if m.get("present", True) and not m.get("written_vote"))
    issued = int_of(details.get("ballots_issued"), attending + written)
    received = int_of(details.get("ballots_received"), issued)
    invalid = int_of(details.get("ballots_invalid"), 0)
    board = details.get("counting_board")
    quorum = details.get("quorum_ratio")
    members_total = max([len(members), *(v.members_total for _, v in voted), 1])
    return VoteCountDoc(
        agency=ctx.agency,
        number=number,
        date=meeting.held_on,
        title=(
            "Kiểm phiếu bầu kín xét danh hiệu thi đua và hình thức khen thưởng năm "
            f"{ctx.year} của Hội đồng Thi đua – Khen thưởng Sở"
        ),
        place_room=f"trụ sở {ctx.agency.full_name}",
        established_by=established_by(meeting),
        minutes_number=ctx.numbers.get("minutes"),
        counting_board=[str(n) for n in board if str(n).strip()] if isinstance(board, list) else [],
        members_total=members_total,
        attending=attending,
        written_votes=written,
        quorum_ratio=quorum if isinstance(quorum, str) and quorum else None,
        quorum_required=int_of(details.get("quorum_required")) or None,
        ballots_issued=issued,
        ballots_received=received,
        ballots_invalid=invalid,
        votes=[v for _, v in voted],
    )
