"""Rule 5 of the appraisal: a collective's member counts from its members' outcomes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from thidua.domain.appraisal.models import CandidateResult, Flag, Outcome, as_int, label
from thidua.domain.labels import COLLECTIVE_FIELD_LABEL_VI

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
    changes: list[str] = []
    for name in _COLLECTIVE_FIELDS:
        if name not in out:
            continue
        # an absent count is the contract's default 0 (members_total has no default)
        effective = submitted.get(name, None if name == "members_total" else 0)
        if effective != out[name]:
            before = submitted.get(name, "(không khai)")
            changes.append(f"{COLLECTIVE_FIELD_LABEL_VI[name]}: {before} → {out[name]}")
    return out, changes


def collective_flags(
    members: Sequence[CandidateResult],
    changes: list[str],
    facts: Mapping[str, Any] | None = None,
) -> list[Flag]:
    flags: list[Flag] = []
    member_keys = [m.key for m in members]
    if changes:
        flags.append(
            Flag(
                code="collective_facts_computed",
                message_vi="Số liệu tập thể được tính lại từ kết quả xét thành viên trong đợt: "
                + "; ".join(changes),
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
