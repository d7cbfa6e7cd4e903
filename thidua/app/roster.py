"""Rosters and the ratings register in the use cases: what the consolidation reads for rule 5,
and a new nomination's facts prefilled from the register before they are validated."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from rules.errors import FactsError
from rules.facts import parse_facts
from thidua.app.ports.uow import Tx
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roster import RosterBasis, prefill_collective, prefill_individual


def review_date(tx: Tx, movement_code: str, fallback: date) -> date:
    """The date a collective's roster is read on: the movement's ``final_review`` phase start
    when its phases declare one, else ``fallback`` (the round's closing, or at submission the
    movement's review date)."""
    return tx.roster.final_review_start(movement_code) or fallback


def roster_basis(tx: Tx, movement_code: str, year: int, closed_on: date) -> RosterBasis:
    """What rule 5 reads beyond the round (see ``thidua.domain.roster``): the staff on the
    review date, the year's assignments (for ``longest_service``) and the year's register."""
    on = review_date(tx, movement_code, closed_on)
    return RosterBasis(
        year=year,
        review_date=on,
        on_review_date=tx.roster.roster_on(on),
        assignments=tx.roster.assignments_in(year),
        register={e.staff_code: e for e in tx.roster.register(year)},
    )


def facts_message_vi(msg: str) -> str:
    """A facts consistency error of the rules package (English), in Vietnamese."""
    m = re.match(r"year (\d+) is listed twice", msg)
    if m:
        return f"năm {m.group(1)} bị lặp lại"
    m = re.match(r"history year must be before (\d+)", msg)
    if m:
        return f"năm trong lịch sử phải trước {m.group(1)}"
    m = re.match(r"initiative (.+) is listed twice", msg)
    if m:
        return f"sáng kiến {m.group(1)} bị lặp lại"
    m = re.match(r"must not be after (\d+)", msg)
    if m:
        return f"năm sáng kiến không được sau {m.group(1)}"
    m = re.match(r"must not exceed members_total \((\d+)\)", msg)
    if m:
        return f"không được vượt quá members_total ({m.group(1)})"
    if msg.startswith("must not exceed members_ldtt"):
        return "không được vượt quá members_ldtt (CSTĐCS phải là LĐTT)"
    return msg


def prefill_submission(
    tx: Tx, movement_code: str, unit_code: str, raw: dict[str, Any]
) -> dict[str, Any]:
    """A new nomination's facts, complete: ``raw`` holds only what was sent (no defaults).

    An individual's absent rating, months_worked, maternity_months and discipline come from the
    register's row of (staff, year); a collective's absent members_total is the unit's roster
    size on the review date (the movement's final_review start, else its review date). What was
    sent is kept. The result is validated against the facts contract (a Refusal naming the field
    otherwise) and returned as the contract's full dump.
    """
    year, nominee = raw.get("year"), str(raw.get("id"))
    if raw.get("kind") == "individual":
        rows = tx.roster.register(int(year), [nominee]) if isinstance(year, int) else []
        facts = prefill_individual(raw, rows[0] if rows else None)
        if facts.get("rating") is None:
            raise Refusal(
                RefusalCode.INVALID,
                f"facts.rating: bắt buộc — hồ sơ không khai xếp loại và sổ xếp loại năm {year} "
                f"chưa có dòng của «{nominee}».",
                field="facts.rating",
            )
    else:
        size: int | None = None
        if raw.get("members_total") is None:
            movement = tx.rounds.movement(movement_code)
            if movement is not None:
                on = review_date(tx, movement_code, movement.closes)
                size = len(tx.roster.roster_on(on, unit_code)) or None
        facts = prefill_collective(raw, size)
        if facts.get("members_total") is None:
            raise Refusal(
                RefusalCode.INVALID,
                f"facts.members_total: bắt buộc — hồ sơ không khai tổng số thành viên và đơn vị "
                f"«{unit_code}» chưa có ai trong danh sách cán bộ.",
                field="facts.members_total",
            )
    try:
        return parse_facts(facts).model_dump(mode="json")
    except FactsError as exc:
        first = exc.errors[0]
        loc = f"facts.{first['loc']}" if first["loc"] else "facts"
        raise Refusal(
            RefusalCode.INVALID, f"{loc}: {facts_message_vi(first['msg'])}", field=loc
        ) from None
