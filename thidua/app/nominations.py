"""Nominations as officials read them (authorized by role and by object), and what a submission
resolves to in our records before its workflow starts."""

from __future__ import annotations

from typing import Any

from thidua.app.ports.nominations import (
    NominationDetail,
    NominationFilter,
    NominationRef,
    NominationView,
    SubmissionTarget,
)
from thidua.app.ports.uow import Tx
from thidua.domain import policy
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor


class NotFound(Refusal):
    def __init__(self, message: str = "Không tìm thấy hồ sơ đề nghị.") -> None:
        super().__init__(RefusalCode.NOT_FOUND, message)


# ---- submission -------------------------------------------------------------------------------


def resolve_submission(
    tx: Tx, movement_code: str, unit_code: str, facts: dict[str, Any], key: str
) -> SubmissionTarget:
    """Check movement, unit and nominee exist and belong together; refuse clearly otherwise,
    naming the input at fault."""
    individual = facts["kind"] == "individual"
    nominee_id = str(facts["id"])
    found = tx.nominations.lookup_submission(
        movement_code, unit_code, nominee_id if individual else None, key
    )
    movement, unit = found.movement, found.unit
    if movement is None:
        raise Refusal(
            RefusalCode.NOT_FOUND,
            f"movement: không có phong trào thi đua «{movement_code}».",
            field="movement",
        )
    if unit is None:
        raise Refusal(RefusalCode.NOT_FOUND, f"unit: không có đơn vị «{unit_code}».", field="unit")
    if facts["year"] != movement.year:
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"facts.year: phong trào {movement.code} xét năm {movement.year}, không phải {facts['year']}.",
            field="facts.year",
        )
    if individual:
        staff = found.staff
        if staff is None or staff.unit_code != unit.code:
            raise Refusal(
                RefusalCode.FORBIDDEN,
                f"facts.id: «{nominee_id}» không phải cán bộ của đơn vị {unit.code}.",
                field="facts.id",
            )
        name = staff.full_name
    else:
        if nominee_id != unit.code:
            raise Refusal(
                RefusalCode.FORBIDDEN,
                f"facts.id: tập thể được đề nghị phải là đơn vị {unit.code}, không phải «{nominee_id}».",
                field="facts.id",
            )
        name = unit.name
    return SubmissionTarget(
        key=key,
        movement_code=movement.code,
        unit_code=unit.code,
        nominee_name=name,
        as_of=movement.closes,
        existing_stage=found.existing.stage if found.existing else None,
    )


def check_changed_facts(tx: Tx, key: str, ref: NominationRef, facts: dict[str, Any]) -> None:
    """Facts sent again (a resubmission, a resume with clarified facts) pass the submission's
    checks: the movement's year (``facts.year``), the nominee still the unit's (``facts.id``).

    The nominee itself cannot change (the workflow refuses another ``facts.id``/``facts.kind``).
    """
    if facts.get("year") != ref.year:
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"facts.year: hồ sơ {key} thuộc năm {ref.year} của phong trào {ref.movement}, "
            f"không đổi sang năm {facts.get('year')}.",
            field="facts.year",
        )
    resolve_submission(tx, ref.movement, ref.unit, facts, key)


# ---- reading ----------------------------------------------------------------------------------


def get_nomination(tx: Tx, actor: Actor, key: str) -> NominationDetail:
    detail = tx.nominations.detail(key)
    if detail is None:
        raise NotFound()
    policy.require_visible(actor, detail.unit)
    return detail


def visible_ref(tx: Tx, actor: Actor, key: str) -> NominationRef:
    """Whose the nomination is and where it stands, if ``actor`` may see it (else not found)."""
    ref = tx.nominations.ref(key)
    if ref is None:
        raise NotFound()
    policy.require_visible(actor, ref.unit)
    return ref


def page_nominations(
    tx: Tx,
    actor: Actor,
    filters: NominationFilter | None = None,
    *,
    limit: int = 100,
    after_id: int | None = None,
) -> tuple[list[NominationView], int | None]:
    """One page of the nominations ``actor`` may read, in a stable order (by id), and the id to
    continue after if there is more."""
    return tx.nominations.page(
        policy.visible_units(actor), filters or NominationFilter(), limit, after_id
    )


def list_nominations(
    tx: Tx, actor: Actor, filters: NominationFilter | None = None, *, limit: int = 100
) -> list[NominationView]:
    views, _ = page_nominations(tx, actor, filters, limit=limit)
    return views


def all_nominations(
    tx: Tx, actor: Actor, filters: NominationFilter | None = None
) -> list[NominationView]:
    """Every nomination ``actor`` may read (page by page)."""
    out: list[NominationView] = []
    after: int | None = None
    while True:
        page, after = page_nominations(tx, actor, filters, limit=500, after_id=after)
        out.extend(page)
        if after is None:
            return out
