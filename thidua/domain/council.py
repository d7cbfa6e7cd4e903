"""Council counting: the share of votes a title needs, one vote's count, a meeting's ballots.

Pure arithmetic, exact (fractions, no float rounding). :func:`count_ballots` checks a meeting's
ballots against the round's list and counts each (its refusals name the ballot at fault).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict

from thidua.domain.appraisal import Appraisal
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.rounds import Ballot, CouncilMember

#: (nomination key, title code) -> the stored tally of its vote (``award_items.tally``).
Tallies = dict[tuple[str, str], dict[str, Any]]


class TallyResult(BaseModel):
    """A council vote counted: whether it passed, the share in favour, the votes needed."""

    model_config = ConfigDict(frozen=True)

    passed: bool
    ratio: float
    required: int


def vote_threshold(title: str, params: Mapping[str, Any]) -> tuple[float, bool]:
    """(ratio, of_all_members) for the council vote on `title`.

    CSTDCS: `params["cstdcs_vote_ratio"]` (0.8) of ALL council members, by secret ballot.
    Other titles and forms: `params["other_titles_vote_ratio"]` (0.5), also counted on ALL
    members ("quá bán tổng số thành viên", the safer reading of Decree 98).
    Raises KeyError if the parameter is missing, ValueError if it is not a number.
    """
    name = "cstdcs_vote_ratio" if title == "CSTDCS" else "other_titles_vote_ratio"
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"tham số {name} phải là một số, nhận được {value!r}")
    return float(value), True


def tally(
    *,
    members_total: int,
    in_favour: int,
    against: int,
    abstain: int,
    threshold: float,
    of_all_members: bool,
) -> TallyResult:
    """Count a council vote on one title of one candidate.

    The base is every council member (`of_all_members`, absent members vote in writing) or the
    votes cast (in_favour + against + abstain). Thresholds above one half are "at least"
    (CSTDCS: in_favour ≥ ⌈0.8 × members⌉: 10 members need 8, 9 members need 8 since 7.2 rounds
    up); a threshold of one half or less must be *exceeded* ("quá bán": 10 members need 6, 9 need
    5), so a tie never passes. `required` is that smallest passing number of votes in favour;
    `ratio` is in_favour / base (0 when the base is 0). Arithmetic is exact (no float rounding).

    Raises ValueError (Vietnamese message) on negative counts, a vote total above the number of
    members, no members, or a threshold outside (0, 1].
    """
    if members_total <= 0:
        raise ValueError("số thành viên Hội đồng phải lớn hơn 0")
    for label, n in (
        ("đồng ý", in_favour),
        ("không đồng ý", against),
        ("không biểu quyết", abstain),
    ):
        if n < 0:
            raise ValueError(f"số phiếu {label} không được âm ({n})")
    cast = in_favour + against + abstain
    if cast > members_total:
        raise ValueError(
            f"tổng số phiếu ({cast}) vượt quá số thành viên Hội đồng ({members_total})"
        )
    if not 0 < threshold <= 1:
        raise ValueError(f"tỷ lệ thông qua phải trong khoảng (0, 1], nhận được {threshold}")
    base = members_total if of_all_members else cast
    t = Fraction(str(threshold))
    needed = t * base
    required = math.ceil(needed) if t > Fraction(1, 2) else math.floor(needed) + 1
    required = max(required, 1)
    ratio = in_favour / base if base else 0.0
    return TallyResult(passed=in_favour >= required, ratio=ratio, required=required)


def _invalid_ballots(message: str) -> Refusal:
    return Refusal(RefusalCode.INVALID, f"ballots: {message}", field="ballots")


def count_ballots(
    members: Sequence[CouncilMember],
    ballots: Sequence[Ballot],
    on_the_list: Collection[tuple[str, str]],
    params: Mapping[str, Any],
) -> Tallies:
    """Count a meeting's ballots: one per (nomination, title) of the round's list, no more.

    CSTDCS needs the share of ALL members set in the rules file (``params``, see
    :func:`vote_threshold`); absent members who voted in writing count as voters. Refuses
    (``invalid``, field ``ballots``) a ballot for something not on the list, a missing ballot, a
    ballot with more votes than voters, or counts :func:`tally` rejects.
    """
    members_total = len(members)
    voters = sum(1 for m in members if m.present or m.written_vote)
    by_item = {(b.nomination, b.title): b for b in ballots}
    unknown = sorted(f"{k}/{c}" for k, c in by_item if (k, c) not in on_the_list)
    if unknown:
        raise _invalid_ballots(f"không có trong danh sách đề nghị: {', '.join(unknown)}.")
    missing = sorted(f"{k}/{c}" for k, c in on_the_list if (k, c) not in by_item)
    if missing:
        raise _invalid_ballots(f"thiếu kết quả bỏ phiếu cho: {', '.join(missing)}.")
    tallies: Tallies = {}
    for (key, code), b in by_item.items():
        cast = b.in_favour + b.against + b.abstain
        if cast > voters:
            raise _invalid_ballots(
                f"{key}/{code} có {cast} phiếu, "
                f"nhiều hơn {voters} thành viên có mặt hoặc gửi phiếu."
            )
        threshold, of_all = vote_threshold(code, params)
        try:
            result = tally(
                members_total=members_total,
                in_favour=b.in_favour,
                against=b.against,
                abstain=b.abstain,
                threshold=threshold,
                of_all_members=of_all,
            )
        except ValueError as exc:
            raise _invalid_ballots(f"{key}/{code}: {exc}") from exc
        tallies[(key, code)] = {
            "in_favour": b.in_favour,
            "against": b.against,
            "abstain": b.abstain,
            "members_total": members_total,
            "written_votes": sum(1 for m in members if m.written_vote),
            "threshold": threshold,
            "required": result.required,
            "ratio": result.ratio,
            "passed": result.passed,
        }
    return tallies


def mark_lost_by_member_vote(tallies: Tallies, after_vote: Appraisal) -> None:
    """A title that passed its own vote but is no longer held after the vote (a collective whose
    members' titles failed) did not pass: ``passed`` False, ``lost_by_member_vote`` True."""
    still = {(r.key, code) for r in after_vote.results for code in [*r.titles, *r.proposals]}
    for key_code, t in tallies.items():
        if t["passed"] and key_code not in still:
            t["passed"] = False
            t["lost_by_member_vote"] = True
