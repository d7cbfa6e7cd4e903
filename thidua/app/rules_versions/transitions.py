"""Changing versions: upload (or replace a draft), approve, publish, retire, roll back.

Only rules administrators change versions (``policy.check_rules_admin``); every change is
audited in its own transaction (``RulesVersionStore.record``). See the package docstring for the
life of a version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rules.engine import RulesEngine
from rules.golden import GoldenFile
from rules.model import Ruleset
from thidua.app.ports.rules_versions import APPROVED, DRAFT, PUBLISHED, RETIRED, RulesVersion
from thidua.app.ports.uow import Tx
from thidua.app.rules_versions.store import (
    MAX_TEXT_BYTES,
    RULES_INVALID,
    parse_content,
    parse_golden,
    require,
    status_vi,
    wrong_status,
)
from thidua.app.rules_versions.views import (
    RulesVersionDetail,
    RulesVersionView,
    detail,
    golden_report,
    view,
)
from thidua.domain.policy import check_rules_admin
from thidua.domain.refusals import FieldError, Refusal, RefusalCode
from thidua.domain.roles import Actor


class UploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(min_length=1, max_length=MAX_TEXT_BYTES, description="Tệp tiêu chí YAML")
    golden: str | None = Field(
        default=None, max_length=MAX_TEXT_BYTES, description="Tệp ca kiểm thử (golden) YAML"
    )
    notes: str | None = Field(default=None, max_length=2000, description="Ghi chú thay đổi")


class PublishRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    effective_from: dt.date = Field(description="Ngày bắt đầu hiệu lực")
    effective_to: dt.date | None = Field(
        default=None, description="Ngày hết hiệu lực (mặc định: theo nội dung tệp, nếu có)"
    )


def _conflict(problem: str, message: str, errors: list[FieldError] | None = None) -> Refusal:
    return Refusal(RefusalCode.CONFLICT, message, problem=problem, errors=errors or ())


def _audit_state(v: RulesVersion) -> dict[str, Any]:
    return {
        "status": v.status,
        "sha256": v.sha256,
        "author": v.author,
        "approved_by": v.approved_by,
        "published_by": v.published_by,
        "effective_from": v.effective_from.isoformat() if v.effective_from else None,
        "effective_to": v.effective_to.isoformat() if v.effective_to else None,
    }


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _check_texts(body: UploadRequest) -> tuple[Ruleset, GoldenFile | None]:
    rs = parse_content(body.content)
    golden = parse_golden(body.golden, rs) if body.golden is not None else None
    return rs, golden


# ---- upload ---------------------------------------------------------------------------------


def upload(tx: Tx, actor: Actor, body: UploadRequest) -> RulesVersionDetail:
    """Store a new draft (or replace an existing draft of the same id and version)."""
    check_rules_admin(actor)
    rs, _ = _check_texts(body)
    now = _now()
    found = tx.rules_versions.get(rs.id, rs.version)
    if found is not None:
        if found.status != DRAFT:
            raise Refusal(
                RefusalCode.DUPLICATE,
                f"Phiên bản {rs.id}@{rs.version} đã tồn tại ({status_vi(found)}); "
                "hãy đặt số phiên bản mới trong tệp (khóa version).",
                problem="rules_version_exists",
            )
        return _replace_draft(tx, actor, found, rs, body, now)
    new = RulesVersion(
        ruleset_id=rs.id,
        version=rs.version,
        sha256=rs.sha256,
        content=body.content,
        golden=body.golden,
        status=DRAFT,
        author=actor.username,
        notes=body.notes,
        created_at=now,
        updated_at=now,
    )
    tx.rules_versions.save(new)
    tx.rules_versions.record("rules.version.uploaded", new.name, actor, None, _audit_state(new))
    return detail(new)


def _replace_draft(
    tx: Tx,
    actor: Actor,
    v: RulesVersion,
    rs: Ruleset,
    body: UploadRequest,
    now: dt.datetime,
) -> RulesVersionDetail:
    new = replace(
        v,
        content=body.content,
        sha256=rs.sha256,
        golden=body.golden if body.golden is not None else v.golden,
        notes=body.notes if body.notes is not None else v.notes,
        author=actor.username,  # whoever edited last is the author: approval needs another admin
        updated_at=now,
    )
    tx.rules_versions.save(new)
    tx.rules_versions.record(
        "rules.version.uploaded", new.name, actor, _audit_state(v), _audit_state(new)
    )
    return detail(new)


def replace_draft(
    tx: Tx, actor: Actor, ruleset_id: str, version: str, body: UploadRequest
) -> RulesVersionDetail:
    """PUT: edit a draft's texts; the content must keep its id and version."""
    check_rules_admin(actor)
    v = require(tx, ruleset_id, version)
    if v.status != DRAFT:
        raise wrong_status(
            f"Chỉ sửa được bản nháp; {ruleset_id}@{version} đang ở trạng thái «{status_vi(v)}»."
        )
    rs, _ = _check_texts(body)
    if (rs.id, rs.version) != (ruleset_id, version):
        raise Refusal(
            RefusalCode.INVALID,
            f"Nội dung khai báo {rs.id}@{rs.version}, không phải {ruleset_id}@{version}; "
            "hãy tải lên như một phiên bản mới.",
            problem=RULES_INVALID,
            errors=[FieldError("content", "id/version không khớp", line=1, column=1)],
        )
    return _replace_draft(tx, actor, v, rs, body, _now())


# ---- approve, publish -----------------------------------------------------------------------


def approve(tx: Tx, actor: Actor, ruleset_id: str, version: str) -> RulesVersionView:
    """A second rules admin (not the author) approves a draft."""
    check_rules_admin(actor)
    v = require(tx, ruleset_id, version)
    if v.status != DRAFT:
        raise wrong_status(
            f"Chỉ duyệt được bản nháp; {ruleset_id}@{version} đang ở trạng thái «{status_vi(v)}»."
        )
    if v.author == actor.username:
        raise _conflict(
            "rules_second_admin_required",
            f"Người soạn ({v.author}) không được tự duyệt phiên bản {ruleset_id}@{version}; "
            "cần một quản trị tiêu chí khác duyệt.",
        )
    now = _now()
    new = replace(v, status=APPROVED, approved_by=actor.username, approved_at=now, updated_at=now)
    tx.rules_versions.save(new)
    tx.rules_versions.record(
        "rules.version.approved", new.name, actor, _audit_state(v), _audit_state(new)
    )
    return view(new)


def _overlaps(a_from: dt.date, a_to: dt.date | None, b_from: dt.date, b_to: dt.date | None) -> bool:
    return a_from <= (b_to or dt.date.max) and b_from <= (a_to or dt.date.max)


def _check_publishable(v: RulesVersion, engine: RulesEngine) -> int:
    """Refuse a version that is not approved by a second admin with all golden cases green;
    the number of cases passed."""
    name = v.name
    if v.status == DRAFT:
        raise _conflict(
            "rules_second_admin_required",
            f"Phiên bản {name} chưa được quản trị tiêu chí thứ hai duyệt; "
            "không thể công bố khi chưa có người duyệt khác người soạn.",
        )
    if v.status != APPROVED:
        raise wrong_status(
            f"Chỉ công bố được phiên bản đã duyệt; {name} đang ở trạng thái «{status_vi(v)}»."
        )
    if v.approved_by is None or v.approved_by == v.author:  # pragma: no cover - defensive
        raise _conflict(
            "rules_second_admin_required", f"Phiên bản {name} cần người duyệt khác người soạn."
        )
    report = golden_report(engine, v)
    if report.failed or not report.cases:
        failing = [c for c in report.cases if not c.passed]
        raise _conflict(
            "rules_golden_failed",
            f"Không công bố {name}: {report.failed}/{len(report.cases)} ca kiểm thử không đạt "
            f"({', '.join(c.id for c in failing[:5])}{'…' if len(failing) > 5 else ''}).",
            [FieldError(f"golden.{c.id}", "; ".join(c.problems) or "không đạt") for c in failing],
        )
    return report.passed


def _check_window(
    tx: Tx, v: RulesVersion, start: dt.date, end: dt.date | None
) -> list[RulesVersion]:
    """Refuse a window that would hide a later version of the ruleset or overlap another
    ruleset's; the published versions of the same ruleset."""
    if end is not None and end < start:
        raise Refusal(
            RefusalCode.INVALID,
            f"Ngày hết hiệu lực {end.isoformat()} trước ngày bắt đầu {start.isoformat()}.",
            problem="rules_invalid_window",
            errors=[FieldError("effective_to", "phải sau effective_from")],
        )
    published = tx.rules_versions.published()
    siblings = [r for r in published if r.ruleset_id == v.ruleset_id]
    later = [r for r in siblings if r.effective_from is not None and r.effective_from >= start]
    if later:
        r = later[0]
        assert r.effective_from is not None
        raise _conflict(
            "rules_window_conflict",
            f"Phiên bản {r.name} đã có hiệu lực từ ngày "
            f"{r.effective_from.isoformat()}; ngày bắt đầu của {v.name} phải sau ngày đó "
            "(hoặc hãy thu hồi phiên bản kia trước).",
        )
    for other in published:
        if other.ruleset_id == v.ruleset_id or other.effective_from is None:
            continue
        if _overlaps(start, end, other.effective_from, other.effective_to):
            raise _conflict(
                "rules_window_conflict",
                f"Thời gian hiệu lực của {v.name} trùng với bộ tiêu chí "
                f"{other.name}; mỗi ngày chỉ một bộ tiêu chí có hiệu lực.",
            )
    return siblings


def publish(
    tx: Tx,
    actor: Actor,
    engine: RulesEngine,
    ruleset_id: str,
    version: str,
    body: PublishRequest,
) -> RulesVersionView:
    """Publish an approved version whose golden cases all pass, from ``effective_from``.

    The version in force before it (same ruleset id) is closed on the day before; its previous
    end date is kept on the new version so a rollback reopens it exactly.
    """
    check_rules_admin(actor)
    tx.rules_versions.lock(ruleset_id)
    v = require(tx, ruleset_id, version)
    passed = _check_publishable(v, engine)
    rs = parse_content(v.content)
    start = body.effective_from
    end = body.effective_to if body.effective_to is not None else rs.effective_to
    siblings = _check_window(tx, v, start, end)
    now = _now()
    supersedes, supersedes_to = v.supersedes, v.supersedes_effective_to
    previous = max(siblings, key=lambda r: r.effective_from or dt.date.min, default=None)
    if previous is not None and (previous.effective_to is None or previous.effective_to >= start):
        supersedes, supersedes_to = previous.version, previous.effective_to
        closed = replace(previous, effective_to=start - dt.timedelta(days=1), updated_at=now)
        tx.rules_versions.save(closed)
        tx.rules_versions.record(
            "rules.version.published",
            closed.name,
            actor,
            _audit_state(previous),
            {**_audit_state(closed), "superseded_by": version},
        )
    new = replace(
        v,
        status=PUBLISHED,
        published_by=actor.username,
        published_at=now,
        effective_from=start,
        effective_to=end,
        supersedes=supersedes,
        supersedes_effective_to=supersedes_to,
        updated_at=now,
    )
    tx.rules_versions.save(new)
    tx.rules_versions.record(
        "rules.version.published",
        new.name,
        actor,
        _audit_state(v),
        {**_audit_state(new), "supersedes": new.supersedes, "golden_passed": passed},
    )
    return view(new)


# ---- retire, roll back ----------------------------------------------------------------------


def retire(tx: Tx, actor: Actor, ruleset_id: str, version: str) -> RulesVersionView:
    """Withdraw a draft or an approved version (a published one is rolled back instead)."""
    check_rules_admin(actor)
    v = require(tx, ruleset_id, version)
    if v.status not in (DRAFT, APPROVED):
        hint = (
            " Dùng «rollback» để thu hồi phiên bản đang công bố." if v.status == PUBLISHED else ""
        )
        raise wrong_status(f"{ruleset_id}@{version} đang ở trạng thái «{status_vi(v)}».{hint}")
    now = _now()
    new = replace(v, status=RETIRED, retired_by=actor.username, retired_at=now, updated_at=now)
    tx.rules_versions.save(new)
    tx.rules_versions.record(
        "rules.version.retired", new.name, actor, _audit_state(v), _audit_state(new)
    )
    return view(new)


def rollback(tx: Tx, actor: Actor, ruleset_id: str, version: str) -> RulesVersionView:
    """Retire the latest published version and reopen the window of the version it closed."""
    check_rules_admin(actor)
    tx.rules_versions.lock(ruleset_id)
    v = require(tx, ruleset_id, version)
    name = v.name
    if v.status != PUBLISHED:
        raise wrong_status(
            f"Chỉ thu hồi (rollback) được phiên bản đang công bố; {name} đang ở trạng thái "
            f"«{status_vi(v)}»."
        )
    siblings = [
        r
        for r in tx.rules_versions.published()
        if r.ruleset_id == ruleset_id and r.version != version
    ]
    start = v.effective_from or dt.date.min
    if any((r.effective_from or dt.date.min) > start for r in siblings):
        raise wrong_status(
            f"{name} không phải phiên bản công bố mới nhất của {ruleset_id}; "
            "hãy thu hồi phiên bản mới nhất trước."
        )
    previous = next((r for r in siblings if r.version == v.supersedes), None)
    if previous is None:
        raise _conflict(
            "rules_no_previous_version",
            f"Không có phiên bản trước của {ruleset_id} để khôi phục khi thu hồi {name}; "
            "hãy công bố phiên bản thay thế trước.",
        )
    now = _now()
    reopened = replace(previous, effective_to=v.supersedes_effective_to, updated_at=now)
    new = replace(v, status=RETIRED, retired_by=actor.username, retired_at=now, updated_at=now)
    tx.rules_versions.save(reopened)
    tx.rules_versions.save(new)
    tx.rules_versions.record(
        "rules.version.rolled_back",
        name,
        actor,
        {**_audit_state(v), "reopened": previous.version},
        {
            **_audit_state(new),
            "reopened": previous.version,
            "reopened_effective_to_before": (
                previous.effective_to.isoformat() if previous.effective_to else None
            ),
            "reopened_effective_to": (
                reopened.effective_to.isoformat() if reopened.effective_to else None
            ),
        },
    )
    return view(new)
