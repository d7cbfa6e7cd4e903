"""The Office's consolidation rounds: opening one, reading them, the province's answers and the
Director's revocations after the decision, and the late-arrival check of a unit's approval.

Use cases over one transaction (``tx``); the round's steps themselves go through its workflow
(``thidua.app.round_commands``) and its activities (``thidua.app.consolidation``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date, datetime

from rules.law import HIGHEST_AMOUNT_ONLY, LawBook, shipped_law
from thidua.app import publication, rules_versions
from thidua.app.nominations import visible_ref
from thidua.app.ports.rounds import (
    AwardItemView,
    DocumentView,
    MovementRecord,
    NewRound,
    RoundListItem,
    RoundRecord,
    RoundView,
)
from thidua.app.ports.uow import Tx
from thidua.app.round_records import round_of as round_of
from thidua.domain import policy
from thidua.domain.documents.models import TITLE_SHORT_VI
from thidua.domain.documents.snapshot import IssuedDocument
from thidua.domain.documents.wording import revocation_kind
from thidua.domain.labels import ROUND_STAGE_LABEL_VI
from thidua.domain.money import award_money, not_paid_note
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor
from thidua.domain.rounds import LatePolicy, RoundStage, round_key

PROVINCE_ANSWERS = ("approved", "rejected", "returned")
#: The longest reason a revocation records (as the API's ``RevokeRequest`` accepts).
REASON_MAX = 2000

#: Issues the decision revoking a round's award in the revoking transaction:
#: ``(tx, round key, award item id, date it bears) -> the document`` (None: no such decision,
#: e.g. for a province's award). Built by the entry point over the renderer and the rules.
IssueRevocation = Callable[[Tx, str, int, date], IssuedDocument | None]


# ---- finding ------------------------------------------------------------------------------------


def movement_of(tx: Tx, code: str) -> MovementRecord:
    movement = tx.rounds.movement(code)
    if movement is None:
        raise Refusal(
            RefusalCode.NOT_FOUND,
            f"movement: không có phong trào thi đua «{code}».",
            field="movement",
        )
    return movement


def ruleset_in_force(tx: Tx, movement: MovementRecord) -> tuple[str, str]:
    """The ruleset in force on the movement's review date: its rounds are judged under it.

    Two rulesets in force on that date (e.g. the annual criteria and a thematic movement's own
    ruleset) are refused: nominations are evaluated by date alone (``as_of``), so the choice
    would be ambiguous (rules/README.md, "Which ruleset judges a movement")."""
    several = rules_versions.all_in_force(tx, movement.closes)
    if len(several) > 1:
        names = ", ".join(f"{w.ruleset_id}@{w.version}" for w in several)
        raise Refusal(
            RefusalCode.CONFLICT,
            f"movement: nhiều bộ tiêu chí cùng có hiệu lực vào ngày xét của phong trào "
            f"{movement.code} ({movement.closes:%d/%m/%Y}): {names}; cần điều chỉnh thời gian "
            "hiệu lực để chỉ một bộ tiêu chí có hiệu lực ngày đó trước khi mở đợt xét.",
            field="movement",
            problem="ambiguous_ruleset",
        )
    window = several[0] if several else None
    if window is None:
        raise Refusal(
            RefusalCode.CONFLICT,
            f"movement: không có bộ tiêu chí nào có hiệu lực vào ngày xét của phong trào "
            f"{movement.code} ({movement.closes:%d/%m/%Y}); cần công bố một phiên bản bộ tiêu "
            "chí có hiệu lực ngày đó trước khi mở đợt xét.",
            field="movement",
            problem="no_ruleset_in_force",
        )
    return window.ruleset_id, window.version


# ---- opening and the late-arrival check ---------------------------------------------------------


def open_round(
    tx: Tx,
    actor: Actor,
    *,
    movement_code: str,
    year: int,
    closes_at: datetime,
    late_policy: LatePolicy,
    workflow_id: Callable[[str], str],
) -> RoundRecord:
    """Record a new round of the movement (its workflow is started by the caller), judged under
    the ruleset in force on the movement's review date. ``workflow_id``: key → workflow id."""
    movement = movement_of(tx, movement_code)
    ruleset_id, version = ruleset_in_force(tx, movement)
    if year != movement.year:
        raise Refusal(
            RefusalCode.INVALID,
            f"year: phong trào {movement_code} xét năm {movement.year}.",
            field="year",
        )
    latest = tx.rounds.latest(movement_code, year)
    if latest is not None and latest.stage is not RoundStage.DECIDED:
        raise Refusal(
            RefusalCode.DUPLICATE,
            f"Đợt xét {latest.key} chưa kết thúc ({ROUND_STAGE_LABEL_VI[latest.stage]}).",
        )
    seq = (latest.seq + 1) if latest else 1
    key = round_key(movement_code, year, seq)
    return tx.rounds.add(
        NewRound(
            key=key,
            workflow_id=workflow_id(key),
            movement=movement_code,
            year=year,
            seq=seq,
            late_policy=late_policy,
            closes_at=closes_at,
            ruleset_id=ruleset_id,
            ruleset_version=version,
            opened_by=actor,
        )
    )


def check_late_arrival(tx: Tx, movement: str, year: int) -> None:
    """A unit approval after the round closed: refused when the Office chose ``refuse``."""
    latest = tx.rounds.latest(movement, year)
    if latest is None or latest.stage is RoundStage.OPEN:
        return
    if latest.late_policy is LatePolicy.REFUSE:
        closed = latest.closed_at or latest.closes_at
        raise Refusal(
            RefusalCode.WRONG_STAGE,
            f"Đợt xét {latest.key} của Văn phòng Sở đã đóng lúc {closed:%d/%m/%Y %H:%M} UTC; "
            "hồ sơ đến sau không được nhận vào đợt này.",
        )


# ---- reading ------------------------------------------------------------------------------------


def get_round(tx: Tx, actor: Actor, key: str, *, with_results: bool = True) -> RoundView:
    policy.check_round_read(actor)
    rnd = round_of(tx, key)
    appraisal = rnd.appraisal or {}
    results = appraisal.get("results", [])
    counts = Counter(r["outcome"] for r in results)
    items = tx.rounds.award_items(key)
    decided = [s for s in rnd.steps if s.get("action") == "approve" and s.get("at")]
    if decided:
        on = datetime.fromisoformat(str(decided[-1]["at"])).date()
        items = with_amount_notes(items, shipped_law(), on, TITLE_SHORT_VI)
    counts.update({f"council_{i.council_status}": 1 for i in items})
    return RoundView(
        key=rnd.key,
        workflow_id=rnd.workflow_id,
        movement=rnd.movement,
        year=rnd.year,
        stage=rnd.stage.value,
        stage_label=ROUND_STAGE_LABEL_VI[rnd.stage],
        late_policy=rnd.late_policy.value,
        closes_at=rnd.closes_at,
        closed_at=rnd.closed_at,
        ruleset={"id": rnd.ruleset_id, "version": rnd.ruleset_version},
        steps=rnd.steps,
        counts=dict(counts),
        by_title=appraisal.get("by_title", {}),
        by_unit=appraisal.get("by_unit", {}),
        flags=appraisal.get("flags", []),
        results=results if with_results else [],
        items=items,
        documents=tx.rounds.documents(key),
        publication=publication.publication_view(tx, actor, key),
    )


def with_amount_notes(
    items: list[AwardItemView], law: LawBook, on: date, names: Mapping[str, str]
) -> list[AwardItemView]:
    """Each approved item the Department pays nothing for (amount 0) with the reason: the same
    achievement's higher award of the nominee is paid (by the Department, or by the province
    when it decides the higher one), under the principle in force on the decision's date."""
    principle = law.principle(HIGHEST_AMOUNT_ONLY, on)
    if principle is None:
        return items
    out: list[AwardItemView] = []
    for item in items:
        group = next((g for g in principle.groups if item.code in g), frozenset())
        higher = next(
            (
                o.code
                for o in items
                if o.nomination == item.nomination
                and o.code != item.code
                and o.code in group
                and o.director_status == "approved"
                and o.province_status != "rejected"
                and not o.revoked
            ),
            None,
        )
        if item.director_status == "approved" and item.amount_vnd == 0 and higher is not None:
            item = item.model_copy(
                update={"amount_note": not_paid_note(names.get(higher, higher), law, on)}
            )
        out.append(item)
    return out


def list_rounds(tx: Tx, actor: Actor) -> list[RoundListItem]:
    policy.check_round_read(actor)
    return [
        RoundListItem(
            key=r.key, movement=r.movement, year=r.year, stage=r.stage.value, closes_at=r.closes_at
        )
        for r in tx.rounds.list_rounds()
    ]


def document_file(tx: Tx, actor: Actor, key: str, kind: str, fmt: str) -> str:
    """Where the round's document ``kind`` was written in format ``fmt``."""
    policy.check_round_read(actor)
    round_of(tx, key)
    path = tx.rounds.document_file(key, kind, fmt)
    if not path:
        raise Refusal(RefusalCode.NOT_FOUND, f"Đợt {key} chưa có văn bản «{kind}» dạng {fmt}.")
    return path


# ---- after the decision: province answers and revocation ----------------------------------------


def _item(tx: Tx, nomination_key: str, code: str) -> AwardItemView:
    item = tx.rounds.award_item(nomination_key, code)
    if item is None:
        raise Refusal(
            RefusalCode.NOT_FOUND,
            f"Không có danh hiệu/hình thức {code} của hồ sơ {nomination_key}.",
        )
    return item


def record_province_answer(
    tx: Tx, actor: Actor, nomination_key: str, code: str, answer: str, reason: str | None
) -> AwardItemView:
    """The province's answer on a proposal the Director sent it: approved, rejected, returned."""
    policy.check_province_answer(actor)
    if answer not in PROVINCE_ANSWERS:
        raise Refusal(
            RefusalCode.INVALID,
            f"answer: phải là một trong {', '.join(PROVINCE_ANSWERS)}.",
            field="answer",
        )
    item = _item(tx, nomination_key, code)
    if item.level != "province" or item.province_status is None:
        raise Refusal(
            RefusalCode.WRONG_STAGE, f"{code} của {nomination_key} chưa được trình lên tỉnh."
        )
    if answer != "approved" and not (reason and reason.strip()):
        raise Refusal(
            RefusalCode.INVALID,
            "reason: tỉnh trả lại hoặc không đồng ý phải có lý do.",
            field="reason",
        )
    answered = tx.rounds.record_province_answer(nomination_key, code, answer, reason, actor)
    if answer == "rejected":
        _pay_the_lower_title(tx, actor, answered)
    return answered


def _pay_the_lower_title(tx: Tx, actor: Actor, refused: AwardItemView) -> None:
    """The province refused the higher award the Director's lower title of the same achievement
    was left unpaid for (TTLĐXS over TTLĐTT): that title is now paid, coefficient × base salary
    on the Director's decision date (rules/law), as the highest amount the nominee holds."""
    rnd = round_of(tx, tx.rounds.round_key_of(refused.nomination, refused.code))
    decided = [s for s in rnd.steps if s.get("action") == "approve" and s.get("at")]
    if not decided:
        return
    on = datetime.fromisoformat(str(decided[-1]["at"])).date()
    law = shipped_law()
    principle = law.principle(HIGHEST_AMOUNT_ONLY, on)
    if principle is None:
        return
    group = next((g for g in principle.groups if refused.code in g), frozenset())
    for item in tx.rounds.award_items(rnd.key):
        lower = (
            item.nomination == refused.nomination
            and item.code in group
            and item.level == "director"
            and item.director_status == "approved"
            and item.amount_vnd == 0
        )
        money = award_money(law, item.code, on, collective=item.kind == "collective")
        if lower and money is not None:
            tx.rounds.set_amount(
                item.nomination,
                item.code,
                money.amount,
                f"UBND tỉnh không tặng {refused.code}: chi mức tiền thưởng {item.code}",
                actor,
            )


def granted(item: AwardItemView) -> bool:
    """Whether the award was given (so it may be revoked): approved by the Director and, for a
    form the province decides, by the province."""
    return item.director_status == "approved" and (
        item.level == "director" or item.province_status == "approved"
    )


def revoke_award(
    tx: Tx,
    actor: Actor,
    nomination_key: str,
    code: str,
    reason: str,
    *,
    issue_revocation: IssueRevocation | None = None,
    on: date | None = None,
) -> AwardItemView:
    """Revoke an issued award (e.g. false records); the record stays, marked revoked with the
    reason. With ``issue_revocation``, the Director's revocation decision is issued in the same
    transaction, dated ``on`` (its own number from the decisions' book, citing the decision that
    granted the award, the reason and the money to recover); a second revocation of the same
    award is refused, so it never issues a second decision."""
    policy.check_revoke_award(actor)
    if not reason.strip():
        raise Refusal(RefusalCode.INVALID, "reason: thu hồi phải ghi rõ lý do.", field="reason")
    if len(reason) > REASON_MAX:
        raise Refusal(RefusalCode.INVALID, f"reason: tối đa {REASON_MAX} ký tự.", field="reason")
    item = _item(tx, nomination_key, code)
    if not granted(item):
        raise Refusal(
            RefusalCode.WRONG_STAGE,
            f"{code} của {nomination_key} chưa được tặng nên không thể thu hồi.",
        )
    if item.revoked:
        raise Refusal(RefusalCode.DUPLICATE, f"{code} của {nomination_key} đã bị thu hồi.")
    revoked = tx.rounds.revoke_award(nomination_key, code, reason, actor)
    if issue_revocation is None or revoked.item_id is None or on is None:
        return revoked
    key = tx.rounds.round_key_of(nomination_key, code)
    doc = issue_revocation(tx, key, revoked.item_id, on)
    if doc is None:
        return revoked
    view = DocumentView(
        kind=doc.kind,
        number=doc.number,
        formats=[fmt for fmt, path in doc.files.items() if path],
        sha256=doc.sha256,
    )
    return revoked.model_copy(update={"revocation": view})


def revocation_file(tx: Tx, actor: Actor, nomination_key: str, code: str, fmt: str) -> str:
    """Where the decision revoking the nomination's award ``code`` was written in ``fmt``.

    Read like the nomination (``policy.can_read``): the Department's roles, and a unit's roles
    for their own units, whose nominee loses the award and who recover the money (the decision
    is addressed to them); another unit's is not found, as a nomination that does not exist."""
    visible_ref(tx, actor, nomination_key)
    item = _item(tx, nomination_key, code)
    if not item.revoked or item.item_id is None:
        raise Refusal(
            RefusalCode.NOT_FOUND, f"{code} của {nomination_key} không có quyết định thu hồi."
        )
    key = tx.rounds.round_key_of(nomination_key, code)
    path = tx.rounds.document_file(key, revocation_kind(item.item_id), fmt)
    if not path:
        raise Refusal(
            RefusalCode.NOT_FOUND,
            f"{code} của {nomination_key} không có quyết định thu hồi dạng {fmt}.",
        )
    return path


def nomination_awards(tx: Tx, actor: Actor, nomination_key: str) -> list[AwardItemView]:
    """The titles and forms the nomination was put forward for in its rounds (its latest item of
    each), with the decision revoking each revoked one; read like the nomination."""
    visible_ref(tx, actor, nomination_key)
    items = tx.rounds.nomination_awards(nomination_key)
    out: list[AwardItemView] = []
    for item in items:
        if item.revoked and item.item_id is not None:
            kind = revocation_kind(item.item_id)
            key = tx.rounds.round_key_of(item.nomination, item.code)
            doc = next((d for d in tx.rounds.documents(key) if d.kind == kind), None)
            item = item.model_copy(update={"revocation": doc})
        out.append(item)
    return out
