"""Rule 5 of the appraisal: a collective's member counts from its members' outcomes."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from thidua.domain.appraisal.models import CandidateResult, Flag, Outcome, as_int, label
from thidua.domain.labels import COLLECTIVE_FIELD_LABEL_VI
from thidua.domain.roster import RegisterEntry, RosterMember

#: Discipline forms counted against a collective: a warning (cảnh cáo) or worse.
DISCIPLINE_WARNING_OR_WORSE: frozenset[str] = frozenset(
    {"canh_cao", "ha_bac_luong", "giang_chuc", "cach_chuc", "buoc_thoi_viec"}
)

#: The collective fields recomputed from the members' outcomes, in reporting order.
_COLLECTIVE_FIELDS: tuple[str, ...] = (
    "members_total",
    "members_ldtt",
    "members_cstdcs",
    "members_disciplined",
    "members_htnv_or_better",
)

#: How many members missing from the register a flag names (the count is always given).
_NAMED_AT_MOST = 20

#: The ratings of HTNV or better (hoàn thành nhiệm vụ trở lên).
_HTNV_OR_BETTER: frozenset[str] = frozenset({"HTXSNV", "HTTNV", "HTNV"})


def collective_facts(
    submitted: Mapping[str, Any],
    members: Sequence[CandidateResult],
    override_total: int | None,
) -> tuple[dict[str, Any], list[str]]:
    """Rule 5: the collective's member counts from its members' outcomes in this round.

    Returns the new facts and the "label: before → after" descriptions of what changed.
    """
    out = dict(submitted)
    total = override_total if override_total is not None else as_int(submitted.get("members_total"))
    if total is not None:
        out["members_total"] = total
    recommended = [m for m in members if m.outcome == Outcome.RECOMMENDED]
    out["members_ldtt"] = sum(1 for m in recommended if "LDTT" in m.titles)
    out["members_cstdcs"] = sum(1 for m in recommended if "CSTDCS" in m.titles)
    disciplined = sum(
        1 for m in members if m.facts_used.get("discipline") in DISCIPLINE_WARNING_OR_WORSE
    )
    sub_disc = as_int(submitted.get("members_disciplined", 0))
    if sub_disc is not None:
        out["members_disciplined"] = max(sub_disc, disciplined)
    khtnv = sum(1 for m in members if m.facts_used.get("rating") == "KHTNV")
    sub_htnv = as_int(submitted.get("members_htnv_or_better", 0))
    if sub_htnv is not None and total is not None:
        out["members_htnv_or_better"] = min(sub_htnv, max(0, total - khtnv))
    return out, _changes(submitted, out, _COLLECTIVE_FIELDS)


def _changes(
    submitted: Mapping[str, Any], out: Mapping[str, Any], fields: Sequence[str]
) -> list[str]:
    """ "label: before → after" for each of ``fields`` whose value changed."""
    changes: list[str] = []
    for name in fields:
        if name not in out:
            continue
        # an absent count is the contract's default 0 (members_total has no default)
        effective = submitted.get(name, None if name == "members_total" else 0)
        if effective != out[name]:
            before = submitted.get(name, "(không khai)")
            changes.append(f"{COLLECTIVE_FIELD_LABEL_VI[name]}: {before} → {out[name]}")
    return changes


def roster_collective_facts(
    submitted: Mapping[str, Any],
    roster: Sequence[RosterMember],
    nominees: Mapping[str, CandidateResult],
    register: Mapping[str, RegisterEntry],
    register_ldtt: Collection[str],
) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    """Rule 5 from the whole roster: the collective's member counts over every member.

    ``roster``: the collective's members on the review date (after the transfer rule);
    ``nominees``: staff code → this round's result for the members nominated in it;
    ``register``: staff code → the register's row of the year; ``register_ldtt``: the staff
    codes whose register row alone qualifies for LDTT (evaluated by the caller).

    A nominated member counts by their round outcome (RECOMMENDED with LDTT / CSTDCS); a member
    not nominated counts for LDTT when ``register_ldtt`` has them (never for CSTDCS, which needs
    initiatives or research the register does not hold). Ratings and discipline come from the
    member's round facts, else the register: `members_htnv_or_better` = members rated HTNV or
    better (a member with no rating anywhere does not count); `members_disciplined` =
    max(submitted, members disciplined with a warning or worse). `members_total` = the roster's
    size, `female_members` = its women.

    Returns the new facts, the "label: before → after" changes, and the basis the council's
    vote recounts from (``CandidateResult.member_basis``).
    """
    out = dict(submitted)
    out["members_total"] = len(roster)
    ldtt = cstdcs = disciplined = htnv = outside = 0
    for m in roster:
        r = nominees.get(m.staff_code)
        entry = register.get(m.staff_code)
        if r is not None:
            held = r.outcome == Outcome.RECOMMENDED
            ldtt += held and "LDTT" in r.titles
            cstdcs += held and "CSTDCS" in r.titles
            rating, discipline = r.facts_used.get("rating"), r.facts_used.get("discipline")
        elif entry is not None:
            outside += m.staff_code in register_ldtt
            rating, discipline = entry.rating, entry.discipline
        else:
            rating = discipline = None
        disciplined += discipline in DISCIPLINE_WARNING_OR_WORSE
        htnv += rating in _HTNV_OR_BETTER
    out["members_ldtt"] = ldtt + outside
    out["members_cstdcs"] = cstdcs
    out["members_disciplined"] = max(
        as_int(submitted.get("members_disciplined", 0)) or 0, disciplined
    )
    out["members_htnv_or_better"] = htnv
    out["female_members"] = sum(1 for m in roster if m.gender == "nu")
    basis = {
        "members": len(roster),
        "register_ldtt": outside,
        "nominees": [r.key for r in nominees.values()],
    }
    return out, _changes(submitted, out, (*_COLLECTIVE_FIELDS, "female_members")), basis


def recount_after_vote(
    facts_used: Mapping[str, Any], members: Sequence[CandidateResult], basis: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """After the council's vote, a collective counted from its roster: its nominees' passed
    titles, plus the members the register qualified for LDTT (``basis["register_ldtt"]``)."""
    out = dict(facts_used)
    recommended = [m for m in members if m.outcome == Outcome.RECOMMENDED]
    out["members_ldtt"] = int(basis.get("register_ldtt", 0)) + sum(
        1 for m in recommended if "LDTT" in m.titles
    )
    out["members_cstdcs"] = sum(1 for m in recommended if "CSTDCS" in m.titles)
    return out, _changes(facts_used, out, ("members_ldtt", "members_cstdcs"))


def roster_basis_vi(members: int, year: int, unregistered: Sequence[str]) -> str:
    """How a collective's facts were computed from its roster, for the Office."""
    text = f"Số liệu tập thể được tính từ danh sách {members} thành viên và sổ xếp loại năm {year}"
    if unregistered:
        shown = ", ".join(unregistered[:_NAMED_AT_MOST])
        if len(unregistered) > _NAMED_AT_MOST:
            shown += ", …"
        text += (
            f" ({len(unregistered)} thành viên chưa có trong sổ xếp loại, không được tính đạt "
            f"Lao động tiên tiến: {shown})"
        )
    return text


def collective_flags(
    members: Sequence[CandidateResult],
    changes: list[str],
    facts: Mapping[str, Any] | None = None,
    basis_vi: str | None = None,
) -> list[Flag]:
    """The flags of rule 5; ``basis_vi`` (:func:`roster_basis_vi`) when counted from the roster."""
    flags: list[Flag] = []
    member_keys = [m.key for m in members]
    if changes or basis_vi:
        lead = basis_vi or "Số liệu tập thể được tính lại từ kết quả xét thành viên trong đợt"
        flags.append(
            Flag(
                code="collective_facts_computed",
                message_vi=lead + (": " + "; ".join(changes) if changes else ": không thay đổi"),
                related=member_keys,
            )
        )
    total = as_int(facts.get("members_total")) if facts is not None else None
    if total is not None and len(members) > total:
        flags.append(
            Flag(
                code="members_exceed_total",
                message_vi=(
                    f"Số cá nhân của đơn vị được đề nghị trong đợt ({len(members)}) vượt quá tổng "
                    f"số thành viên của tập thể ({total}); cần kiểm tra lại tổng số thành viên"
                ),
                related=member_keys,
            )
        )
    pending = [m for m in members if m.outcome in (Outcome.ON_HOLD, Outcome.RETURNED)]
    if pending:
        flags.append(
            Flag(
                code="members_pending",
                message_vi=(
                    "Kết quả của tập thể có thể thay đổi khi hồ sơ của các thành viên sau được "
                    "giải quyết (trả lại bổ sung hoặc tạm dừng xét): "
                    + ", ".join(label(m) for m in pending)
                ),
                related=[m.key for m in pending],
            )
        )
    return flags
