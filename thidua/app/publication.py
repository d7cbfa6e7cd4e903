"""Publication of a round's consolidated list to all staff, and the objections to it.

The round's publication length is chosen when it is opened (``publication_days_for``); each
closing publishes the list for that many working days (the workflow computes the period, its
activity records it: ``record_period``); anyone may object meanwhile and until the council votes
(``file_objection``), which puts the nominee or the title on hold; the Office resolves each
objection (``resolve_objection``): upheld withdraws the item from the list, dismissed lifts the
hold. The council's activity takes its list from ``votable_items`` (refused while an item is
held). Use cases over one transaction (``tx``); who may do what is ``thidua.domain.policy``'s.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from thidua.app.ports.publication import (
    NewObjection,
    ObjectionRecord,
    ObjectionView,
    PublicationView,
    PublishedItem,
)
from thidua.app.ports.uow import Tx
from thidua.app.round_records import round_of
from thidua.domain import policy
from thidua.domain.labels import OBJECTION_STATUS_LABEL_VI
from thidua.domain.publication import (
    DEFAULT_PUBLICATION_DAYS,
    MAX_PUBLICATION_DAYS,
    ObjectionStatus,
    council_list,
    held_items,
    withdrawn_items,
)
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor
from thidua.domain.rounds import RoundActivityInput, RoundStage


class FileObjectionRequest(BaseModel):
    """An objection to a nominee (or one of its titles) on the published list."""

    model_config = ConfigDict(extra="forbid")

    nomination: str = Field(min_length=1, max_length=200, description="Mã hồ sơ đề nghị")
    title: str | None = Field(
        default=None, min_length=1, max_length=32, description="Bỏ trống: mọi danh hiệu của hồ sơ"
    )
    content: str = Field(min_length=1, max_length=4000, description="Nội dung phản ánh")
    anonymous: bool = Field(
        default=False, description="Không cho Hội đồng và đơn vị biết người phản ánh"
    )
    on_behalf_of: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Văn phòng Sở ghi nhận phản ánh bằng văn bản thay cho người này",
    )


class ResolveObjectionRequest(BaseModel):
    """The Office's resolution: upheld (withdrawn from the list) or dismissed (hold lifted)."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["upheld", "dismissed"]
    reason: str = Field(min_length=1, max_length=2000)


# ---- opening and closing ------------------------------------------------------------------------


def publication_days_for(tx: Tx, requested: int | None, on: date) -> int:
    """The round's publication length: as asked, else the agency profile's in force on ``on``,
    else ``DEFAULT_PUBLICATION_DAYS`` (the agency's choice, not law)."""
    if requested is not None:
        if not 0 <= requested <= MAX_PUBLICATION_DAYS:
            raise Refusal(
                RefusalCode.INVALID,
                f"publication_days: số ngày làm việc công khai phải từ 0 đến "
                f"{MAX_PUBLICATION_DAYS}.",
                field="publication_days",
            )
        return requested
    stored = tx.agency.profile_on(on)
    if stored is not None and stored.profile.publication_days is not None:
        return stored.profile.publication_days
    return DEFAULT_PUBLICATION_DAYS


def record_period(tx: Tx, data: RoundActivityInput) -> None:
    """A closing's publication period, from the closing to ``published_until`` (if it has one)."""
    if data.published_until is not None:
        tx.publication.set_period(data.round_key, data.step.at, data.published_until)


# ---- objections ---------------------------------------------------------------------------------


def _late(record: ObjectionRecord, until: datetime | None) -> bool:
    return until is not None and record.filed_at > until


def _view(actor: Actor, record: ObjectionRecord, until: datetime | None) -> ObjectionView:
    shown = policy.sees_objector(actor, record.filed_by, record.anonymous)
    return ObjectionView(
        id=record.id,
        round_key=record.round_key,
        nomination=record.nomination,
        nominee_name=record.nominee_name,
        unit=record.unit,
        title=record.title,
        content=record.content,
        status=record.status.value,
        status_label=OBJECTION_STATUS_LABEL_VI[record.status.value],
        anonymous=record.anonymous,
        objector=record.objector if shown else None,
        filed_by=record.filed_by if shown else None,
        on_paper=record.on_paper,
        filed_at=record.filed_at,
        late=_late(record, until),
        resolution_reason=record.resolution_reason,
        resolved_by=record.resolved_by,
        resolved_at=record.resolved_at,
    )


def _until(tx: Tx, key: str) -> datetime | None:
    found = tx.publication.get(key)
    return found.published_until if found else None


def file_objection(tx: Tx, actor: Actor, key: str, body: FileObjectionRequest) -> ObjectionView:
    """Record an objection; the nominee (or the title) is on hold until the Office resolves it.

    Under the round's lock, as the council's vote is recorded (``confirm_votable``): an
    objection either is filed before the vote is written, and the vote is refused, or sees the
    round past the council, and is refused."""
    tx.publication.lock_round(key)
    rnd = round_of(tx, key)
    behalf = body.on_behalf_of.strip() if body.on_behalf_of is not None else None
    policy.check_file_objection(actor, rnd.stage, on_behalf_of=behalf)
    if body.on_behalf_of is not None and not behalf:
        raise Refusal(
            RefusalCode.INVALID,
            "on_behalf_of: phải ghi họ tên người phản ánh.",
            field="on_behalf_of",
        )
    content = body.content.strip()
    if not content:
        raise Refusal(RefusalCode.INVALID, "content: phải ghi nội dung phản ánh.", field="content")
    codes = [i.code for i in tx.rounds.award_items(key) if i.nomination == body.nomination]
    if not codes:
        raise Refusal(
            RefusalCode.NOT_FOUND,
            f"nomination: hồ sơ «{body.nomination}» không có trong danh sách công khai của đợt "
            f"{key}.",
            field="nomination",
        )
    if body.title is not None and body.title not in codes:
        raise Refusal(
            RefusalCode.NOT_FOUND,
            f"title: hồ sơ {body.nomination} không được đề nghị {body.title} trong danh sách "
            f"(được đề nghị: {', '.join(codes)}).",
            field="title",
        )
    record = tx.publication.add_objection(
        NewObjection(
            round_key=key,
            nomination=body.nomination,
            title=body.title,
            content=content,
            objector=behalf or actor.username,
            on_paper=behalf is not None,
            anonymous=body.anonymous,
            filed_by=actor,
        )
    )
    return _view(actor, record, _until(tx, key))


def list_objections(tx: Tx, actor: Actor, key: str) -> list[ObjectionView]:
    """The round's objections ``actor`` may read (``policy.may_read_objection``)."""
    policy.check_publication_read(actor)
    round_of(tx, key)
    until = _until(tx, key)
    return [
        _view(actor, o, until)
        for o in tx.publication.objections(key)
        if policy.may_read_objection(actor, o.unit, o.filed_by)
    ]


def resolve_objection(
    tx: Tx, actor: Actor, key: str, objection_id: int, body: ResolveObjectionRequest
) -> ObjectionView:
    """The Office upholds (the item leaves the list) or dismisses (the hold is lifted) an
    objection, with the reason."""
    policy.check_resolve_objection(actor)
    rnd = round_of(tx, key)
    found = tx.publication.objection(key, objection_id)
    if found is None:
        raise Refusal(
            RefusalCode.NOT_FOUND, f"Không tìm thấy phản ánh số {objection_id} của đợt {key}."
        )
    if found.status is not ObjectionStatus.OPEN:
        raise Refusal(
            RefusalCode.DUPLICATE,
            f"Phản ánh số {objection_id} đã được giải quyết "
            f"({OBJECTION_STATUS_LABEL_VI[found.status.value]}).",
        )
    if rnd.stage is RoundStage.DECIDED:
        raise Refusal(RefusalCode.WRONG_STAGE, f"Đợt xét {key} đã có quyết định của Giám đốc.")
    reason = body.reason.strip()
    if not reason:
        raise Refusal(
            RefusalCode.INVALID, "reason: giải quyết phản ánh phải ghi rõ lý do.", field="reason"
        )
    resolved = tx.publication.resolve_objection(
        key, objection_id, ObjectionStatus(body.decision), reason, actor
    )
    return _view(actor, resolved, _until(tx, key))


# ---- the council's list and the round's view ----------------------------------------------------


def votable_items(tx: Tx, key: str, items: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The hold check of the council's vote: the round's items without those upheld objections
    withdrew; refused (naming the nominations and the objections) while an item is held."""
    return council_list(items, [o.as_objection() for o in tx.publication.objections(key)])


def confirm_votable(
    tx: Tx, key: str, listed: set[tuple[str, str]], voted: set[tuple[str, str]]
) -> None:
    """In the transaction writing the council's vote, under the round's lock: the list the
    ballots were counted on (``voted``, from ``votable_items`` over ``listed``) is still the
    list. An objection filed while the vote was being counted holds its item: refused as
    ``votable_items`` refuses (``objection_unresolved``, naming it), so nothing is written and
    the council votes again once the Office has resolved it."""
    tx.publication.lock_round(key)
    if votable_items(tx, key, listed) != voted:
        raise Refusal(
            RefusalCode.CONFLICT,
            "ballots: danh sách Hội đồng bỏ phiếu đã thay đổi trong khi ghi kết quả; hãy xem lại "
            "danh sách và ghi lại kết quả bỏ phiếu.",
            field="ballots",
            problem="objection_unresolved",
        )


def publication_view(tx: Tx, actor: Actor, key: str) -> PublicationView | None:
    """The round's ``publication`` block for ``actor`` (None for a round opened before
    publication existed)."""
    found = tx.publication.get(key)
    if found is None:
        return None
    stored = tx.publication.objections(key)
    objections = [o.as_objection() for o in stored]
    listed = tx.rounds.award_items(key)
    pairs = [(i.nomination, i.code) for i in listed]
    held = held_items(pairs, objections)
    withdrawn = withdrawn_items(pairs, objections)
    rnd = round_of(tx, key)
    items = [
        PublishedItem(
            nomination=i.nomination,
            nominee_name=i.nominee_name,
            unit=i.unit,
            kind=i.kind,
            code=i.code,
            status="held"
            if (i.nomination, i.code) in held
            else "withdrawn"
            if (i.nomination, i.code) in withdrawn
            else "listed",
        )
        for i in listed
    ]
    return PublicationView(
        days=found.days,
        published_from=found.published_from,
        published_until=found.published_until,
        in_progress=rnd.stage is RoundStage.PUBLICATION
        and found.published_until is not None
        and found.published_until > datetime.now(UTC),
        objections=[
            _view(actor, o, found.published_until)
            for o in stored
            if policy.may_read_objection(actor, o.unit, o.filed_by)
        ],
        items=items,
    )


def published_list(tx: Tx, actor: Actor, key: str) -> PublicationView:
    """The published list as every member of staff reads it (with the objections they may see)."""
    policy.check_publication_read(actor)
    rnd = round_of(tx, key)
    view = publication_view(tx, actor, key)
    if view is None or view.published_from is None or rnd.stage is RoundStage.OPEN:
        raise Refusal(RefusalCode.NOT_FOUND, f"Đợt xét {key} chưa công khai danh sách tổng hợp.")
    return view
