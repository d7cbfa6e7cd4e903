"""Council counting: the meeting's quorum, who may vote on each item, one vote's count, a
meeting's ballots.

Pure arithmetic, exact (fractions, no float rounding). :func:`count_meeting` checks attendance
(the quorum) and the ballot papers; :func:`count_ballots` checks a meeting's ballots against the
round's list and counts each on the members entitled to vote on it (its refusals name the field
and the ballot at fault).

What the law says, as far as ``/work/shared/domain.md`` and the sources below give it:

- **The vote** (Law 06/2022/QH15 with Decree 98/2023/NĐ-CP, then Decree 152/2025/NĐ-CP, as
  domain.md states them; article numbers not confirmed here): ``CSTDCS`` by secret ballot with at
  least 80 % of ALL council members agreeing, absent members voting in writing; other titles and
  forms a majority. The same construction, "tỷ lệ phiếu đồng ý … tính trên tổng số thành viên của
  Hội đồng (nếu thành viên Hội đồng vắng mặt thì lấy ý kiến bằng văn bản)", is in the former Decree
  91/2017/NĐ-CP art. 45(8) for the higher titles (quoted by the Central Emulation–Commendation
  Board, banthiduakhenthuongtw.gov.vn, 18/06/2017).
- **The quorum**: no number in the Law or the Decrees as domain.md gives them; the council's own
  regulation (quy chế hoạt động) sets it. A ministry's council regulation seen in a secondary
  source (Decision 2218/QĐ-BTNMT of 2019, art. 8(2), via lawnet.vn) says the council's
  conclusions are valid only when at least 2/3 of its members attend ("dự họp"). So the quorum
  is the ruleset parameter ``council_quorum_ratio`` (a fraction such as ``"2/3"`` or a number),
  unconfirmed for any given agency, and :data:`DEFAULT_QUORUM` = 2/3 when a ruleset has none
  (``ntm-2024@1`` is immutable). Attendance counts members **present**; a member absent who sent a
  written vote has voted but did not attend, so does not count toward the quorum.
- **A member who is the nominee** (``council_nominee_abstains``, on by default, unconfirmed: no
  text found; our reading of the conflict-of-interest principle): a member whose staff code is the
  nominee of an individual item is not entitled to vote on that item. That item's ballot may carry
  at most the entitled members who voted, and its base ("of ALL members") is the members
  **entitled** to vote on it: 10 members, one the nominee, CSTDCS needs ⌈0.8 × 9⌉ = 8 of 9. For a
  collective's item nobody abstains: the nominee is the unit, not its head (decided here; the head
  votes, as every other member whose unit is proposed).
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

#: The council's quorum when the ruleset in force sets none: at least two thirds of all members
#: attend (a council regulation's usual figure; see the module's docstring: unconfirmed).
DEFAULT_QUORUM = Fraction(2, 3)

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

    ``members_total`` is the number of members **entitled to vote on this item**: every council
    member but those who are its nominee (:func:`count_ballots` works it out). The base is that
    number (`of_all_members`, absent members vote in writing) or the votes cast (in_favour +
    against + abstain). Thresholds above one half are "at least" (CSTDCS: in_favour ≥ ⌈0.8 ×
    members⌉: 10 members need 8, 9 members need 8 since 7.2 rounds up); a threshold of one half or
    less must be *exceeded* ("quá bán": 10 members need 6, 9 need 5), so a tie never passes.
    `required` is that smallest passing number of votes in favour; `ratio` is in_favour / base (0
    when the base is 0). Arithmetic is exact (no float rounding).

    Raises ValueError (Vietnamese message) on negative counts, a vote total above the number of
    members, no members, or a threshold outside (0, 1].
    """
    if members_total <= 0:
        raise ValueError("số thành viên Hội đồng có quyền biểu quyết phải lớn hơn 0")
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
            f"tổng số phiếu ({cast}) vượt quá số thành viên Hội đồng có quyền biểu quyết "
            f"({members_total})"
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


# ---- the meeting: quorum and ballot papers ----------------------------------------------------


class MeetingCount(BaseModel):
    """The meeting's attendance against its quorum, and its ballot papers (one per voter)."""

    model_config = ConfigDict(frozen=True)

    members_total: int
    attending: int
    written_votes: int
    quorum_ratio: str
    """The share of all members who must attend, as a fraction ("2/3")."""
    quorum_required: int
    ballots_issued: int
    """One per member voting: attending, or absent and sent a written ballot."""
    ballots_received: int
    ballots_invalid: int

    @property
    def ballots_valid(self) -> int:
        return self.ballots_received - self.ballots_invalid


def quorum_ratio(params: Mapping[str, Any]) -> Fraction:
    """The quorum of the ruleset in force (``council_quorum_ratio``: "2/3", 0.75…), else
    :data:`DEFAULT_QUORUM`. Raises ValueError when the parameter is not a share in (0, 1]."""
    value = params.get("council_quorum_ratio")
    if value is None:
        return DEFAULT_QUORUM
    try:
        if isinstance(value, bool):
            raise ValueError
        share = Fraction(value) if isinstance(value, str) else Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        raise ValueError(
            f"tham số council_quorum_ratio phải là một tỷ lệ như 2/3, nhận được {value!r}"
        ) from None
    if not 0 < share <= 1:
        raise ValueError(
            f"tham số council_quorum_ratio phải trong khoảng (0, 1], nhận được {value}"
        )
    return share


def nominee_abstains(params: Mapping[str, Any]) -> bool:
    """Whether a member who is an item's nominee is left out of its vote
    (``council_nominee_abstains``; on when the ruleset has no such parameter)."""
    return params.get("council_nominee_abstains", True) is not False


def _invalid_ballots(message: str) -> Refusal:
    return Refusal(RefusalCode.INVALID, f"ballots: {message}", field="ballots")


def _refuse(field_name: str, message: str) -> Refusal:
    return Refusal(RefusalCode.INVALID, f"{field_name}: {message}", field=field_name)


def _fraction_vi(share: Fraction) -> str:
    return f"{share.numerator}/{share.denominator}" if share.denominator != 1 else "toàn bộ"


def check_members(members: Sequence[CouncilMember]) -> None:
    """Each member once: no staff code twice (refusal ``members[i]``)."""
    seen: dict[str, int] = {}
    for i, m in enumerate(members):
        if m.staff_code is None:
            continue
        if m.staff_code in seen:
            raise _refuse(
                f"members[{i}]",
                f"mã cán bộ {m.staff_code} trùng với thành viên thứ {seen[m.staff_code] + 1} "
                "trong danh sách; mỗi thành viên Hội đồng chỉ ghi một lần.",
            )
        seen[m.staff_code] = i


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def identify_members(
    members: Sequence[CouncilMember], register: Mapping[str, str], year: int
) -> list[CouncilMember]:
    """The members with their staff codes, from the year's council membership register.

    ``register`` maps each registered member's staff code to their full name (empty: no
    register for ``year``, the members are taken as given). With a register, a member's staff
    code must be in it, a member without one is found by full name (exactly one match), and
    every registered member must be on the meeting's list (an absent one as absent): the base of
    "ALL members" is the council as constituted. Refuses (``invalid``) naming ``members[i]`` or
    ``members``.
    """
    check_members(members)
    if not register:
        return list(members)
    by_name: dict[str, list[str]] = {}
    for code, full_name in register.items():
        by_name.setdefault(_name_key(full_name), []).append(code)
    out: list[CouncilMember] = []
    for i, m in enumerate(members):
        if m.staff_code is not None:
            if m.staff_code not in register:
                raise _refuse(
                    f"members[{i}].staff_code",
                    f"{m.staff_code} ({m.name}) không có trong danh sách thành viên Hội đồng năm "
                    f"{year}.",
                )
            out.append(m)
            continue
        codes = by_name.get(_name_key(m.name), [])
        if not codes:
            raise _refuse(
                f"members[{i}]",
                f"«{m.name}» không có trong danh sách thành viên Hội đồng năm {year}; ghi đúng họ "
                "tên hoặc mã cán bộ (staff_code) của thành viên.",
            )
        if len(codes) > 1:
            raise _refuse(
                f"members[{i}]",
                f"danh sách thành viên Hội đồng năm {year} có {len(codes)} người tên «{m.name}» "
                f"({', '.join(sorted(codes))}); ghi mã cán bộ (staff_code) của thành viên.",
            )
        out.append(m.model_copy(update={"staff_code": codes[0]}))
    check_members(out)
    listed = {m.staff_code for m in out}
    missing = [f"{code} {register[code]}" for code in sorted(register) if code not in listed]
    if missing:
        raise _refuse(
            "members",
            f"thiếu thành viên Hội đồng năm {year} theo danh sách: {', '.join(missing)} (thành "
            "viên không dự họp vẫn ghi vào danh sách, là vắng mặt).",
        )
    return out


def count_meeting(
    members: Sequence[CouncilMember],
    params: Mapping[str, Any],
    *,
    ballots_received: int | None = None,
    ballots_invalid: int = 0,
) -> MeetingCount:
    """Check the meeting is quorate and its ballot papers add up.

    Refuses (``invalid``): field ``members`` when fewer members attend than the quorum
    (:func:`quorum_ratio` of ALL members, rounded up: 10 members at 2/3 need 7; written votes do
    not count as attending); ``ballots_received`` above the ballots issued; ``ballots_invalid``
    above the ballots received.
    """
    check_members(members)
    total = len(members)
    if total == 0:
        raise _refuse("members", "phải có danh sách thành viên Hội đồng.")
    attending = sum(1 for m in members if m.attends)
    written = sum(1 for m in members if m.written_vote)
    share = quorum_ratio(params)
    required = math.ceil(share * total)
    if attending < required:
        raise _refuse(
            "members",
            f"Hội đồng có {total} thành viên, chỉ {attending} thành viên có mặt; cuộc họp chỉ hợp "
            f"lệ khi có mặt ít nhất {required} thành viên ({_fraction_vi(share)} tổng số thành "
            "viên; thành viên vắng mặt gửi phiếu bằng văn bản không tính là có mặt).",
        )
    issued = sum(1 for m in members if m.votes)
    received = issued if ballots_received is None else ballots_received
    if received > issued:
        raise _refuse(
            "ballots_received",
            f"thu về {received} phiếu, nhiều hơn {issued} phiếu phát ra (thành viên có mặt và "
            "thành viên vắng mặt gửi phiếu bằng văn bản).",
        )
    if ballots_invalid > received:
        raise _refuse(
            "ballots_invalid",
            f"{ballots_invalid} phiếu không hợp lệ, nhiều hơn {received} phiếu thu về.",
        )
    return MeetingCount(
        members_total=total,
        attending=attending,
        written_votes=written,
        quorum_ratio=f"{share.numerator}/{share.denominator}",
        quorum_required=required,
        ballots_issued=issued,
        ballots_received=received,
        ballots_invalid=ballots_invalid,
    )


def _member_label(m: CouncilMember) -> str:
    return f"{m.name} ({m.staff_code})" if m.staff_code else m.name


def count_ballots(
    members: Sequence[CouncilMember],
    ballots: Sequence[Ballot],
    on_the_list: Collection[tuple[str, str]],
    params: Mapping[str, Any],
    *,
    nominees: Mapping[str, str] | None = None,
    meeting: MeetingCount | None = None,
) -> Tallies:
    """Count a meeting's ballots: one per (nomination, title) of the round's list, no more.

    ``nominees`` maps an individual nomination's key to its nominee's staff code: a member with
    that code is not entitled to vote on that nomination's items (:func:`nominee_abstains`).
    Each item is counted on the members entitled to vote on it (CSTDCS: the share of them set in
    the rules file, ``params``, see :func:`vote_threshold`); absent members who voted in writing
    count as voters. ``meeting`` is :func:`count_meeting`'s result (computed here when None, so
    an inquorate meeting is refused first, field ``members``). Refuses (``invalid``, field
    ``ballots``) a ballot for something not on the list, a missing ballot, a ballot with more
    votes than its entitled voters or than the valid ballot papers, or counts :func:`tally`
    rejects.
    """
    if meeting is None:
        meeting = count_meeting(members, params)
    members_total = len(members)
    abstaining = nominee_abstains(params)
    by_item = {(b.nomination, b.title): b for b in ballots}
    unknown = sorted(f"{k}/{c}" for k, c in by_item if (k, c) not in on_the_list)
    if unknown:
        raise _invalid_ballots(f"không có trong danh sách đề nghị: {', '.join(unknown)}.")
    missing = sorted(f"{k}/{c}" for k, c in on_the_list if (k, c) not in by_item)
    if missing:
        raise _invalid_ballots(f"thiếu kết quả bỏ phiếu cho: {', '.join(missing)}.")
    tallies: Tallies = {}
    for (key, code), b in by_item.items():
        nominee = (nominees or {}).get(key)
        recused = [
            m for m in members if abstaining and nominee is not None and m.staff_code == nominee
        ]
        entitled = members_total - len(recused)
        entitled_voters = sum(1 for m in members if m.votes and all(m is not r for r in recused))
        cast = b.in_favour + b.against + b.abstain
        if cast > entitled_voters:
            why = (
                f"; {', '.join(_member_label(m) for m in recused)} là người được đề nghị, không "
                "biểu quyết nội dung của mình"
                if recused
                else ""
            )
            raise _invalid_ballots(
                f"{key}/{code} có {cast} phiếu, nhiều hơn {entitled_voters} thành viên có quyền "
                f"biểu quyết có mặt hoặc gửi phiếu{why}."
            )
        if cast > meeting.ballots_valid:
            raise _invalid_ballots(
                f"{key}/{code} có {cast} phiếu, nhiều hơn {meeting.ballots_valid} phiếu hợp lệ."
            )
        threshold, of_all = vote_threshold(code, params)
        try:
            result = tally(
                members_total=entitled,
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
            "entitled": entitled,
            "not_entitled": [_member_label(m) for m in recused],
            "written_votes": sum(
                1 for m in members if m.written_vote and all(m is not r for r in recused)
            ),
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
