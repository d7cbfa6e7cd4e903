"""Every Vietnamese label shown to officials, in one place."""

from __future__ import annotations

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
}
