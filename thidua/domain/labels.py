"""Every Vietnamese label shown to officials, in one place."""

from __future__ import annotations

from rules.catalogue import KIND_VI
from rules.model import OP_SYMBOLS
from thidua.domain.nominations import Stage
from thidua.domain.roles import Role
from thidua.domain.rounds import RoundStage

STAGE_LABEL_VI: dict[Stage, str] = {
    Stage.SUBMITTED: "Đã nộp",
    Stage.UNIT_REVIEW: "Đơn vị xét",
    Stage.OFFICE_REVIEW: "Văn phòng Sở thẩm định",
    Stage.DIRECTOR_REVIEW: "Giám đốc phê duyệt",
    Stage.APPROVED: "Đã phê duyệt",
    Stage.REJECTED: "Không phê duyệt",
    Stage.RETURNED: "Trả lại để bổ sung",
    Stage.ON_HOLD: "Tạm dừng xét",
}

ROUND_STAGE_LABEL_VI: dict[RoundStage, str] = {
    RoundStage.OPEN: "Đang nhận hồ sơ",
    RoundStage.PUBLICATION: "Đang công khai danh sách",
    RoundStage.COUNCIL: "Chờ Hội đồng bỏ phiếu",
    RoundStage.DIRECTOR: "Chờ Giám đốc quyết định",
    RoundStage.OFFICE: "Giám đốc trả lại Văn phòng",
    RoundStage.DECIDED: "Đã quyết định",
}

ROLE_LABEL_VI: dict[Role, str] = {
    Role.UNIT_OFFICER: "cán bộ đơn vị",
    Role.UNIT_HEAD: "thủ trưởng đơn vị",
    Role.OFFICE: "Văn phòng Sở",
    Role.COUNCIL_SECRETARY: "thư ký Hội đồng",
    Role.DIRECTOR: "Giám đốc",
    Role.RULES_ADMIN: "quản trị tiêu chí",
    Role.AUDITOR: "kiểm toán",
    Role.PIPELINE: "tài khoản tích hợp",
    Role.ADMIN: "quản trị hệ thống",
}


# ---- the console's domain labels (moved from thidua/entrypoints/web) -----------------------
# Keys are the stored values (str): a filter in a template looks them up as read from a view.

# A recorded step of a nomination (``Action``), as listed in its history.
STEP_ACTION_LABEL_VI: dict[str, str] = {
    "submit": "Nộp hồ sơ",
    "evaluate": "Đánh giá tiêu chí",
    "approve": "Đồng ý",
    "return": "Trả lại",
    "reject": "Không đồng ý",
    "resubmit": "Nộp lại",
    "hold": "Tạm dừng",
    "resume": "Tiếp tục",
}

# What a reviewer may choose on a nomination in review (the buttons' words).
REVIEW_CHOICE_LABEL_VI: dict[str, str] = {
    "approve": "Đồng ý",
    "return": "Trả lại để bổ sung",
    "reject": "Không đồng ý",
    "hold": "Tạm dừng xét",
    "resume": "Tiếp tục xét",
}

# A recorded step of a consolidation round.
ROUND_ACTION_LABEL_VI: dict[str, str] = {
    "reminder": "Nhắc hạn",
    "close": "Đóng đợt xét, thẩm định",
    "council": "Ghi kết quả Hội đồng",
    "approve": "Giám đốc phê duyệt",
    "return": "Giám đốc trả lại Văn phòng",
    "publication_end": "Hết thời gian công khai danh sách",
}

# The criteria's verdict on a nominee (an evaluation's ``status``).
ELIGIBILITY_LABEL_VI: dict[str, str] = {
    "eligible": "Đủ điều kiện",
    "not_eligible": "Không đủ điều kiện",
    "on_hold": "Tạm dừng xét",
}

# The Office's appraisal of a nomination when a round closes (``appraisal.Outcome``).
APPRAISAL_OUTCOME_LABEL_VI: dict[str, str] = {
    "recommended": "Đề nghị",
    "not_eligible": "Không đủ điều kiện",
    "returned": "Trả lại bổ sung",
    "on_hold": "Tạm dừng xét",
}

# An award item's state with the council and with the Director.
COUNCIL_STATUS_LABEL_VI: dict[str, str] = {
    "pending": "Chờ bỏ phiếu",
    "passed": "Đạt",
    "not_recommended": "Không đề nghị",
    "withdrawn": "Rút khỏi danh sách (phản ánh được chấp nhận)",
}

# An objection (ý kiến phản ánh) to the published consolidated list, and how it was resolved.
OBJECTION_STATUS_LABEL_VI: dict[str, str] = {
    "open": "Chưa giải quyết (tạm dừng xét)",
    "upheld": "Chấp nhận: rút khỏi danh sách",
    "dismissed": "Không chấp nhận: tiếp tục xét",
}
DIRECTOR_STATUS_LABEL_VI: dict[str, str] = {
    "pending": "Chờ quyết định",
    "approved": "Phê duyệt",
    "rejected": "Không phê duyệt",
    "not_recommended": "Không đề nghị",
}

# The documents a round produces (a revocation decision's kind is "revocation-<award item id>":
# its label is that of "revocation", see ``thidua.domain.documents.wording.base_kind``).
DOCUMENT_KIND_LABEL_VI: dict[str, str] = {
    "report": "Báo cáo tổng hợp",
    "minutes": "Biên bản họp Hội đồng",
    "vote_count": "Biên bản kiểm phiếu",
    "decision": "Quyết định công nhận danh hiệu thi đua",
    "decision_movement": "Quyết định khen thưởng phong trào thi đua",
    "submission": "Tờ trình đề nghị tỉnh khen thưởng",
    "revocation": "Quyết định hủy bỏ khen thưởng, thu hồi hiện vật và tiền thưởng",
}

# An individual or a collective nominee (the rules' own words, keyed by any stored string).
KIND_LABEL_VI: dict[str, str] = {kind: label for kind, label in KIND_VI.items()}

# A condition's comparison, as read in a rule's explanation: the rules' symbols, but membership
# in words (an official reads "thuộc", not "∈").
_MEMBERSHIP_VI = {"in": "thuộc", "not_in": "không thuộc"}
OPERATOR_LABEL_VI: dict[str, str] = {
    op: _MEMBERSHIP_VI.get(op, sym) for op, sym in OP_SYMBOLS.items()
}

# What one rule did in an evaluation. A rule that grants or proposes is met or not; a rule that
# disqualifies or holds a nominee applies ("fired") or not.
RULE_OUTCOME_LABEL_VI: dict[str, str] = {
    "fired": "Đạt",
    "not_fired": "Không đạt",
    "skipped": "Không áp dụng",
}
EXCLUSION_OUTCOME_LABEL_VI: dict[str, str] = {
    "fired": "Vướng",
    "not_fired": "Không vướng",
    "skipped": "Không áp dụng",
}

# The counts of a collective's members the Office recomputes at appraisal (``appraisal.collectives``).
COLLECTIVE_FIELD_LABEL_VI: dict[str, str] = {
    "members_total": "tổng số thành viên",
    "members_ldtt": "số thành viên đạt Lao động tiên tiến",
    "members_cstdcs": "số thành viên đạt Chiến sĩ thi đua cơ sở",
    "members_disciplined": "số thành viên bị kỷ luật từ cảnh cáo trở lên",
    "members_htnv_or_better": "số thành viên xếp loại hoàn thành nhiệm vụ trở lên",
    "female_members": "số thành viên nữ",
}

# ---- accounts and the audit log -------------------------------------------------------------

# What the audit chain's verification found wrong with an entry (``audit.ChainProblem.kind``).
AUDIT_PROBLEM_LABEL_VI: dict[str, str] = {
    "modified": "bị sửa",
    "deleted": "bị xóa",
    "reordered": "bị đổi thứ tự",
}

# An API token's state (``TokenView.status``).
TOKEN_STATUS_LABEL_VI: dict[str, str] = {
    "active": "hiệu lực",
    "revoked": "đã thu hồi",
    "expired": "hết hạn",
}

# Whether an account may sign in (``Account.active``).
ACCOUNT_STATE_LABEL_VI: dict[bool, str] = {True: "hoạt động", False: "vô hiệu"}


# ---- rules: governed versions, decisions, what-if ----------------------------------------------

# A governed rules version's state (``rules_versions.status``).
RULES_VERSION_STATUS_LABEL_VI: dict[str, str] = {
    "draft": "bản nháp",
    "approved": "đã duyệt",
    "published": "đã công bố",
    "retired": "đã thu hồi",
}

# The rule kinds whose firing excludes a nominee: their outcome reads as an exclusion's.
EXCLUSION_RULE_KINDS = frozenset({"disqualify", "hold"})


def rule_outcome_label_vi(kind: str, outcome: str) -> str:
    """What one rule of ``kind`` did (``fired``/``not_fired``/``skipped``), in words."""
    labels = EXCLUSION_OUTCOME_LABEL_VI if kind in EXCLUSION_RULE_KINDS else RULE_OUTCOME_LABEL_VI
    return labels.get(outcome, outcome)


# How a nominee's result changes under a draft (what-if).
WHATIF_CHANGE_LABEL_VI: dict[str, str] = {
    "gain": "Được thêm",
    "lose": "Mất",
    "status": "Đổi kết quả",
}

# Which stored facts a what-if runs over.
WHATIF_SOURCE_LABEL_VI: dict[str, str] = {
    "evaluations": "lần xét tiêu chí gần nhất của mỗi hồ sơ",
    "appraisal": "kết quả thẩm định của các đợt xét",
}

# ---- the achievement report (báo cáo thành tích) ---------------------------------------------
#: The facts contract's values (rules/facts.py) as the nominee's report prints them.
GENDER_LABEL_VI: dict[str, str] = {"nam": "Nam", "nu": "Nữ"}
ASSESSMENT_LABEL_VI: dict[str, str] = {
    "xuat_sac": "xuất sắc",
    "tot": "tốt",
    "dat": "đạt",
    "khong_dat": "không đạt",
}
DISCIPLINE_LABEL_VI: dict[str, str] = {
    "none": "không",
    "khien_trach": "khiển trách",
    "canh_cao": "cảnh cáo",
    "ha_bac_luong": "hạ bậc lương",
    "giang_chuc": "giáng chức",
    "cach_chuc": "cách chức",
    "buoc_thoi_viec": "buộc thôi việc",
}
INITIATIVE_LEVEL_LABEL_VI: dict[str, str] = {
    "co_so": "cấp cơ sở",
    "tinh": "cấp tỉnh",
    "toan_quoc": "toàn quốc",
}
UNIT_KIND_LABEL_VI: dict[str, str] = {
    "leadership": "Lãnh đạo",
    "division": "Phòng chuyên môn",
    "public_service_unit": "Đơn vị sự nghiệp trực thuộc",
}
