"""Who may do what, in which stage, on whose nominations.

Pure functions, shared by the service layer (before a call reaches Temporal) and by the workflow's
update validators (so a wrong call is refused before it is written to history).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from thidua.domain.labels import ROLE_LABEL_VI, ROUND_STAGE_LABEL_VI, STAGE_LABEL_VI
from thidua.domain.nominations import ReviewDecision, Stage
from thidua.domain.publication import VIETNAM
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import UNIT_SCOPED_ROLES, Actor, Role
from thidua.domain.rounds import RoundStage

# The role that reviews in each review stage.
REVIEWER_OF: dict[Stage, Role] = {
    Stage.UNIT_REVIEW: Role.UNIT_HEAD,
    Stage.OFFICE_REVIEW: Role.OFFICE,
    Stage.DIRECTOR_REVIEW: Role.DIRECTOR,
}

# Where each review decision leads from each review stage.
TRANSITIONS: dict[tuple[Stage, ReviewDecision], Stage] = {
    (Stage.UNIT_REVIEW, ReviewDecision.APPROVE): Stage.OFFICE_REVIEW,
    (Stage.UNIT_REVIEW, ReviewDecision.RETURN): Stage.RETURNED,
    (Stage.UNIT_REVIEW, ReviewDecision.REJECT): Stage.REJECTED,
    (Stage.OFFICE_REVIEW, ReviewDecision.APPROVE): Stage.DIRECTOR_REVIEW,
    (Stage.OFFICE_REVIEW, ReviewDecision.RETURN): Stage.RETURNED,
    (Stage.OFFICE_REVIEW, ReviewDecision.REJECT): Stage.REJECTED,
    (Stage.DIRECTOR_REVIEW, ReviewDecision.APPROVE): Stage.APPROVED,
    (Stage.DIRECTOR_REVIEW, ReviewDecision.RETURN): Stage.OFFICE_REVIEW,
    (Stage.DIRECTOR_REVIEW, ReviewDecision.REJECT): Stage.REJECTED,
}

HOLDABLE_STAGES = frozenset(
    {Stage.UNIT_REVIEW, Stage.OFFICE_REVIEW, Stage.DIRECTOR_REVIEW, Stage.RETURNED}
)


def _stage(stage: Stage) -> str:
    return f"«{STAGE_LABEL_VI[stage]}» ({stage.value})"


def can_read(actor: Actor, unit_code: str) -> bool:
    """Unit-scoped roles read their own units only; the other roles read everything."""
    return actor.role not in UNIT_SCOPED_ROLES or actor.owns_unit(unit_code)


def require_visible(actor: Actor, unit_code: str) -> None:
    if not can_read(actor, unit_code):
        # Same answer as for a nomination that does not exist: never reveal foreign objects.
        raise Refusal(RefusalCode.NOT_FOUND, "Không tìm thấy hồ sơ đề nghị.")


def check_submit(actor: Actor, unit_code: str) -> None:
    if actor.role not in (Role.UNIT_OFFICER, Role.PIPELINE):
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"Vai trò {ROLE_LABEL_VI[actor.role]} không được nộp hồ sơ đề nghị.",
        )
    if not actor.owns_unit(unit_code):
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"Chỉ được nộp hồ sơ cho đơn vị của mình (không phải {unit_code}).",
            field="unit",
        )


def check_review(actor: Actor, stage: Stage, unit_code: str, decision: ReviewDecision) -> Stage:
    """Return the stage the decision leads to, or refuse."""
    reviewer = REVIEWER_OF.get(stage)
    if reviewer is None:
        raise Refusal(RefusalCode.WRONG_STAGE, f"Hồ sơ đang ở bước {_stage(stage)}, không thể xét.")
    if actor.role is not reviewer:
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"Bước {_stage(stage)} do {ROLE_LABEL_VI[reviewer]} xét, "
            f"không phải {ROLE_LABEL_VI[actor.role]}.",
        )
    if reviewer is Role.UNIT_HEAD and not actor.owns_unit(unit_code):
        raise Refusal(RefusalCode.NOT_FOUND, "Không tìm thấy hồ sơ đề nghị.")
    return TRANSITIONS[(stage, decision)]


def check_reason(decision: ReviewDecision, reason: str | None) -> None:
    if decision is not ReviewDecision.APPROVE and not (reason and reason.strip()):
        raise Refusal(RefusalCode.FORBIDDEN, "Trả lại hoặc không phê duyệt phải ghi rõ lý do.")


def check_resubmit(actor: Actor, stage: Stage, unit_code: str) -> None:
    if actor.role not in (Role.UNIT_OFFICER, Role.PIPELINE):
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"Vai trò {ROLE_LABEL_VI[actor.role]} không được nộp lại hồ sơ.",
        )
    if not actor.owns_unit(unit_code):
        raise Refusal(RefusalCode.NOT_FOUND, "Không tìm thấy hồ sơ đề nghị.")
    if stage is not Stage.RETURNED:
        raise Refusal(
            RefusalCode.WRONG_STAGE,
            f"Chỉ nộp lại hồ sơ đã bị trả lại; hồ sơ đang ở bước {_stage(stage)}.",
        )


def check_hold(actor: Actor, stage: Stage, unit_code: str) -> None:
    allowed = actor.role in (Role.OFFICE, Role.DIRECTOR) or (
        actor.role is Role.UNIT_HEAD and stage is Stage.UNIT_REVIEW
    )
    if not allowed:
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"Vai trò {ROLE_LABEL_VI[actor.role]} không được tạm dừng xét hồ sơ ở bước {_stage(stage)}.",
        )
    if actor.role is Role.UNIT_HEAD and not actor.owns_unit(unit_code):
        raise Refusal(RefusalCode.NOT_FOUND, "Không tìm thấy hồ sơ đề nghị.")
    if stage not in HOLDABLE_STAGES:
        raise Refusal(RefusalCode.WRONG_STAGE, f"Không thể tạm dừng hồ sơ ở bước {_stage(stage)}.")


def check_resume(actor: Actor, stage: Stage) -> None:
    if actor.role not in (Role.OFFICE, Role.DIRECTOR):
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"Vai trò {ROLE_LABEL_VI[actor.role]} không được tiếp tục xét hồ sơ đang tạm dừng.",
        )
    if stage is not Stage.ON_HOLD:
        raise Refusal(
            RefusalCode.WRONG_STAGE, f"Hồ sơ không ở trạng thái tạm dừng (đang ở {_stage(stage)})."
        )


# Who takes each step of the Office's consolidation round, and in which round stages. The
# ConsolidationWorkflow's update validators enforce it; screens use it to offer only the steps
# the signed-in role may take (the service still refuses anything else).
ROUND_STEPS: dict[str, tuple[Role, frozenset[RoundStage]]] = {
    "close": (Role.OFFICE, frozenset({RoundStage.OPEN, RoundStage.OFFICE})),
    "council": (Role.COUNCIL_SECRETARY, frozenset({RoundStage.COUNCIL})),
    "decide": (Role.DIRECTOR, frozenset({RoundStage.DIRECTOR})),
    # Not a workflow step: the Office's choice of the award an initiative grounds, after the
    # closing's appraisal and before the council votes (or after the Director's return).
    "choose_initiative": (Role.OFFICE, frozenset({RoundStage.COUNCIL, RoundStage.OFFICE})),
}


def may_take_round_step(actor: Actor, step: str, stage: RoundStage) -> bool:
    role, stages = ROUND_STEPS[step]
    return actor.role is role and stage in stages


# Who is offered the decision explorer in the console (the decisions service scopes unit roles
# to their units anyway).
DECISION_EXPLORERS = frozenset({Role.AUDITOR, Role.RULES_ADMIN, Role.DIRECTOR, Role.OFFICE})


# The audit log spans every unit, so no unit-scoped view of it exists: auditors and rules
# administrators list it; only auditors verify the whole chain.
AUDIT_READERS = frozenset({Role.AUDITOR, Role.RULES_ADMIN})
AUDIT_VERIFIERS = frozenset({Role.AUDITOR})


def check_audit_read(actor: Actor) -> None:
    if actor.role not in AUDIT_READERS:
        raise Refusal(RefusalCode.FORBIDDEN, "Vai trò này không xem được nhật ký kiểm toán.")


def check_audit_verify(actor: Actor) -> None:
    if actor.role not in AUDIT_VERIFIERS:
        raise Refusal(RefusalCode.FORBIDDEN, "Vai trò này không xem được nhật ký kiểm toán.")


def visible_units(actor: Actor) -> tuple[str, ...] | None:
    """The units whose objects ``actor`` may see: its own for unit-scoped roles, None (all) else.

    Stores filter their queries with it, so a list never shows what ``can_read`` would refuse."""
    return tuple(actor.units) if actor.role in UNIT_SCOPED_ROLES else None


# ---- rounds ----------------------------------------------------------------------------------
# The Office's consolidation rounds span every unit: the Department's roles read them; each step
# is taken by the role ``ROUND_STEPS`` names, in the stages it names.
ROUND_READERS = frozenset(
    {Role.OFFICE, Role.COUNCIL_SECRETARY, Role.DIRECTOR, Role.AUDITOR, Role.RULES_ADMIN}
)


def check_round_read(actor: Actor) -> None:
    if actor.role not in ROUND_READERS:
        raise Refusal(
            RefusalCode.FORBIDDEN, "Vai trò này không xem được đợt xét tổng hợp của Văn phòng Sở."
        )


def check_open_round(actor: Actor) -> None:
    if actor.role is not Role.OFFICE:
        raise Refusal(RefusalCode.FORBIDDEN, "Chỉ Văn phòng Sở mở đợt xét tổng hợp.")


def check_round_step(
    actor: Actor, step: str, stage: RoundStage, *, published_until: datetime | None = None
) -> None:
    """Refuse a round step (``close``, ``council``, ``decide``) taken by the wrong role or in the
    wrong stage (the ConsolidationWorkflow's update validators). The council during the
    publication of the list is refused with the period's end (``published_until``): nobody may
    end the publication early, since it is the staff's time to object."""
    role, stages = ROUND_STEPS[step]
    if actor.role is not role:
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"Bước này do {ROLE_LABEL_VI[role]} thực hiện, không phải {ROLE_LABEL_VI[actor.role]}.",
        )
    if stage is RoundStage.PUBLICATION and step == "council":
        until = (
            f" đến hết {published_until.astimezone(VIETNAM):%H:%M ngày %d/%m/%Y} (giờ Việt Nam)"
            if published_until is not None
            else ""
        )
        raise Refusal(
            RefusalCode.WRONG_STAGE,
            f"Danh sách tổng hợp đang được công khai{until}; Hội đồng chỉ bỏ phiếu sau khi hết "
            "thời gian công khai.",
            problem="publication_not_ended",
        )
    if stage not in stages:
        raise Refusal(
            RefusalCode.WRONG_STAGE,
            f"Đợt xét đang ở bước «{ROUND_STAGE_LABEL_VI[stage]}» ({stage.value}).",
        )


# ---- publication of the consolidated list and objections -----------------------------------------
# The list is published to all staff: every account held by a person (any role but the pipeline's
# machine accounts) reads the published list and may object to a nominee on it. The Office may
# also record an objection received on paper on someone's behalf. Objections are read by the
# Office, the Director, the council secretary and the auditor (all of them); a unit's officer or
# head reads those about their units' nominations; everyone reads their own. Who objected is
# recorded always; an anonymous objector's name is shown only to the Office (who verifies it), the
# auditor and the objector: never to the council (its chair, the Director, and its secretary) nor
# to the unit. Only the Office resolves an objection.
OBJECTORS = frozenset(Role) - {Role.PIPELINE}
OBJECTION_READERS = frozenset({Role.OFFICE, Role.DIRECTOR, Role.COUNCIL_SECRETARY, Role.AUDITOR})
OBJECTOR_NAME_READERS = frozenset({Role.OFFICE, Role.AUDITOR})
#: The round stages in which an objection is received: from the publication until the vote.
OBJECTION_STAGES = frozenset({RoundStage.PUBLICATION, RoundStage.COUNCIL})


def check_publication_read(actor: Actor) -> None:
    if actor.role not in OBJECTORS:
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"Vai trò {ROLE_LABEL_VI[actor.role]} không xem danh sách công khai "
            "(chỉ tài khoản của cán bộ, công chức, viên chức).",
        )


def check_file_objection(actor: Actor, stage: RoundStage, *, on_behalf_of: str | None) -> None:
    """Who may object (any person's account; on someone's behalf: the Office) and when (from
    the publication of the list until the council has voted)."""
    check_publication_read(actor)
    if on_behalf_of is not None and actor.role is not Role.OFFICE:
        raise Refusal(
            RefusalCode.FORBIDDEN,
            "on_behalf_of: chỉ Văn phòng Sở ghi nhận phản ánh nhận bằng văn bản thay cho người "
            "phản ánh.",
            field="on_behalf_of",
        )
    if stage not in OBJECTION_STAGES:
        raise Refusal(
            RefusalCode.WRONG_STAGE,
            "Chỉ nhận phản ánh từ khi công khai danh sách đến trước khi Hội đồng bỏ phiếu; đợt xét "
            f"đang ở bước «{ROUND_STAGE_LABEL_VI[stage]}» ({stage.value}).",
        )


def check_resolve_objection(actor: Actor) -> None:
    if actor.role is not Role.OFFICE:
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"Chỉ Văn phòng Sở giải quyết phản ánh, không phải {ROLE_LABEL_VI[actor.role]}.",
        )


def may_read_objection(actor: Actor, unit_code: str, filed_by: str) -> bool:
    """All for the Office, the Director, the council secretary and the auditor; a unit role's
    own units' nominations; everyone's own objections."""
    if actor.role in OBJECTION_READERS or filed_by == actor.username:
        return True
    return actor.role in (Role.UNIT_OFFICER, Role.UNIT_HEAD) and actor.owns_unit(unit_code)


def sees_objector(actor: Actor, filed_by: str, anonymous: bool) -> bool:
    """Whether ``actor`` is shown who objected (and which account recorded it)."""
    return not anonymous or actor.role in OBJECTOR_NAME_READERS or filed_by == actor.username


def check_province_answer(actor: Actor) -> None:
    if actor.role is not Role.OFFICE:
        raise Refusal(RefusalCode.FORBIDDEN, "Chỉ Văn phòng Sở ghi nhận kết quả của tỉnh.")


def check_revoke_award(actor: Actor) -> None:
    if actor.role is not Role.DIRECTOR:
        raise Refusal(RefusalCode.FORBIDDEN, "Chỉ Giám đốc được thu hồi khen thưởng.")


# ---- accounts --------------------------------------------------------------------------------

# Roles whose account must belong to a unit (pipeline accounts may instead hold granted units
# only), and the roles that may be granted extra units (the others see the whole Department).
UNIT_REQUIRED_ROLES = frozenset({Role.UNIT_OFFICER, Role.UNIT_HEAD})
GRANTABLE_ROLES = frozenset({Role.UNIT_OFFICER, Role.UNIT_HEAD, Role.PIPELINE})


def check_account_units(role: Role, unit: str | None, grants: Sequence[str]) -> None:
    """Which units an account of ``role`` needs or may be granted (refusals name the field)."""
    if role in UNIT_REQUIRED_ROLES and not unit:
        raise Refusal(RefusalCode.INVALID, f"vai trò '{role.value}' cần mã đơn vị.", field="unit")
    if role is Role.PIPELINE and not unit and not grants:
        raise Refusal(
            RefusalCode.INVALID,
            "tài khoản pipeline cần ít nhất một đơn vị (đơn vị của tài khoản hoặc đơn vị được "
            "cấp thêm).",
            field="grants",
        )
    if grants and role not in GRANTABLE_ROLES:
        allowed = ", ".join(sorted(r.value for r in GRANTABLE_ROLES))
        raise Refusal(
            RefusalCode.INVALID,
            f"chỉ cấp thêm đơn vị cho các vai trò {allowed}; vai trò '{role.value}' xem toàn Sở.",
            field="grants",
        )


# ---- webhooks --------------------------------------------------------------------------------

# Who may subscribe to webhooks (each subscriber receives the events it may read anyway).
WEBHOOK_SUBSCRIBERS = frozenset(
    {Role.PIPELINE, Role.UNIT_OFFICER, Role.UNIT_HEAD, Role.OFFICE, Role.DIRECTOR, Role.AUDITOR}
)


def check_subscribe(actor: Actor) -> None:
    if actor.role not in WEBHOOK_SUBSCRIBERS:
        raise Refusal(RefusalCode.FORBIDDEN, "Vai trò này không đăng ký webhook.")


# ---- rules: governed versions, re-evaluation, what-if ----------------------------------------
# Rules administrators change the governed rules versions and re-evaluate nominations under
# them; auditors read the versions and preview re-evaluations. What-if writes nothing but reads
# every stored decision: rules administrators, auditors and the Director run it. (Who reads
# decisions themselves is ``visible_units``/``can_read``; ``DECISION_EXPLORERS`` above.)
RULES_READERS = frozenset({Role.RULES_ADMIN, Role.AUDITOR})
RULES_ADMINS = frozenset({Role.RULES_ADMIN})
WHATIF_RUNNERS = frozenset({Role.RULES_ADMIN, Role.AUDITOR, Role.DIRECTOR})


def check_rules_read(actor: Actor) -> None:
    if actor.role not in RULES_READERS:
        raise Refusal(
            RefusalCode.FORBIDDEN, "Chỉ quản trị tiêu chí hoặc kiểm toán được xem các phiên bản."
        )


def check_rules_admin(actor: Actor) -> None:
    if actor.role not in RULES_ADMINS:
        raise Refusal(
            RefusalCode.FORBIDDEN,
            "Chỉ quản trị tiêu chí được thay đổi các phiên bản bộ tiêu chí.",
        )


def check_whatif(actor: Actor) -> None:
    if actor.role not in WHATIF_RUNNERS:
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"Vai trò {ROLE_LABEL_VI[actor.role]} không được chạy thử bộ tiêu chí trên hồ sơ đã "
            "lưu (chỉ quản trị tiêu chí, kiểm toán, Giám đốc).",
        )


# ---- the agency's profile --------------------------------------------------------------------
# The system administrator sets the agency's profile (a new dated version); every signed-in role
# reads the profile, which every document prints anyway.
AGENCY_ADMINS = frozenset({Role.ADMIN})


def check_agency_admin(actor: Actor) -> None:
    if actor.role not in AGENCY_ADMINS:
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"Chỉ {ROLE_LABEL_VI[Role.ADMIN]} được đặt hồ sơ cơ quan, không phải "
            f"{ROLE_LABEL_VI[actor.role]}.",
        )


# ---- organisation and the ratings register ---------------------------------------------------
# The administrator keeps the organisation (units, staff, council); the Department's roles read
# it all, unit roles their own units only (another unit's staff member is "not found"). The
# ratings register is written by the Office and the administrator for everyone, and by unit
# officers and heads for their own units' staff.
ORG_ADMINS = frozenset({Role.ADMIN})
ORG_READERS = frozenset(
    {
        Role.OFFICE,
        Role.DIRECTOR,
        Role.COUNCIL_SECRETARY,
        Role.AUDITOR,
        Role.ADMIN,
        Role.UNIT_OFFICER,
        Role.UNIT_HEAD,
    }
)
RATINGS_WRITERS = frozenset({Role.OFFICE, Role.ADMIN, Role.UNIT_OFFICER, Role.UNIT_HEAD})


def check_org_admin(actor: Actor) -> None:
    if actor.role not in ORG_ADMINS:
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"Vai trò {ROLE_LABEL_VI[actor.role]} không được thay đổi tổ chức, nhân sự "
            "(chỉ quản trị hệ thống).",
        )


def check_org_read(actor: Actor) -> None:
    if actor.role not in ORG_READERS:
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"Vai trò {ROLE_LABEL_VI[actor.role]} không xem được tổ chức, nhân sự và xếp loại.",
        )


def check_ratings_write(actor: Actor) -> None:
    if actor.role not in RATINGS_WRITERS:
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"Vai trò {ROLE_LABEL_VI[actor.role]} không được ghi sổ xếp loại hằng năm.",
        )


def org_units(actor: Actor) -> tuple[str, ...] | None:
    """The units whose organisation and ratings records ``actor`` may touch (None: all). The
    admin sees no nomination but administers the whole organisation."""
    return None if actor.role is Role.ADMIN else visible_units(actor)


def org_scope(actor: Actor) -> tuple[str, ...] | None:
    """The units whose organisation records ``actor`` reads (None: all); refuses other roles."""
    check_org_read(actor)
    return org_units(actor)


# ---- movements and registrations -------------------------------------------------------------
# The Office (and administrators) create and update movements; every signed-in role reads them.
# Units register for titles (đăng ký thi đua): unit roles for their own units only (another unit
# is "not found"), the Office for any unit (also late, outside the registration phase).
MOVEMENT_ADMINS = frozenset({Role.OFFICE, Role.ADMIN})
REGISTRARS = frozenset({Role.UNIT_OFFICER, Role.UNIT_HEAD, Role.PIPELINE, Role.OFFICE})


def check_movement_admin(actor: Actor) -> None:
    if actor.role not in MOVEMENT_ADMINS:
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"Vai trò {ROLE_LABEL_VI[actor.role]} không được tạo hoặc sửa phong trào thi đua "
            "(chỉ Văn phòng Sở, quản trị hệ thống).",
        )


def check_register(actor: Actor, unit_code: str | None) -> None:
    """Who may register for titles; with ``unit_code``, for that unit."""
    if actor.role not in REGISTRARS:
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"Vai trò {ROLE_LABEL_VI[actor.role]} không đăng ký thi đua.",
        )
    if unit_code is not None and not can_read(actor, unit_code):
        raise Refusal(RefusalCode.NOT_FOUND, f"Không tìm thấy đơn vị {unit_code}.", field="unit")
