"""Rules versions as governed data: upload, validate, test, diff, approve, publish, roll back.

A version lives in ``rules_versions`` with its YAML content, golden cases, hash and status:

    draft ──approve (a second rules admin)──▶ approved ──publish (golden green + date)──▶ published
      │                                          │                                       │
      └────────────── retire ────────────────────┘                     rollback ──▶ retired

- Upload validates the content with the rules loader (issues as ``line:col: message``) and the
  golden cases with the golden loader, and stores a draft; a draft can be replaced while a draft.
- Approve needs a rules admin other than the (last) author.
- Publish needs: approved, golden cases present and all green, ``effective_from``. The version in
  force before it (same ruleset id) is closed on the day before ``effective_from``; its previous
  end date is kept on the new row so a rollback reopens it exactly. Windows of published versions
  never overlap (any ruleset id), so the choice by date is never ambiguous.
- Rollback retires the latest published version of a ruleset and reopens the one it closed.
  Retired versions stay loadable: nominations pinned to them and reproductions need them.

Every change is audited (``thidua.app.audit.record``). Errors are `RulesVersionError` with a
stable ``code`` (the API's problem type) and a Vietnamese message.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from rules.diff import diff_rulesets
from rules.errors import FactsError, Issue, RulesFileError
from rules.golden import GoldenFile, load_golden, run_golden
from rules.loader import load_ruleset
from rules.model import Ruleset
from rules.registry import (
    DEFAULT_DIRECTORY,
    GOLDEN_SUFFIX,
    LoadedRuleset,
    SourcedRulesRegistry,
    VersionContent,
    VersionWindow,
    golden_path_for,
)
from thidua.adapters.db import audit
from thidua.adapters.db.models import NominationRow, RulesVersionRow
from thidua.domain.nominations import Stage
from thidua.domain.roles import Actor, Role

if TYPE_CHECKING:
    from temporalio.client import Client

    from rules.engine import RulesEngine
    from thidua.adapters.db.uow import SqlUnitOfWork

Status = Literal["draft", "approved", "published", "retired"]
DRAFT, APPROVED, PUBLISHED, RETIRED = "draft", "approved", "published", "retired"
STATUS_VI = {
    DRAFT: "bản nháp",
    APPROVED: "đã duyệt",
    PUBLISHED: "đã công bố",
    RETIRED: "đã thu hồi",
}
SEED_AUTHOR = "seed"
MAX_TEXT_BYTES = 1_000_000
FINAL_STAGES = (Stage.APPROVED.value, Stage.REJECTED.value)


# ---- errors -------------------------------------------------------------------------------


@dataclass
class RulesVersionError(Exception):
    """A refused rules-version operation: ``code`` is stable (problem type), ``message`` Vietnamese."""

    code: str
    message: str
    status: int = 409
    errors: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)


def _not_found(ruleset_id: str, version: str) -> RulesVersionError:
    return RulesVersionError(
        "not_found", f"Không có phiên bản bộ tiêu chí {ruleset_id}@{version}.", 404
    )


def _issues(part: str, exc: RulesFileError) -> list[dict[str, Any]]:
    return [
        {
            "field": part,
            "line": i.line,
            "column": i.column,
            "message": f"{i.line}:{i.column}: {i.message}",
        }
        for i in exc.issues
    ]


def _invalid(part: str, exc: RulesFileError) -> RulesVersionError:
    errors = _issues(part, exc)
    first = errors[0]["message"] if errors else "không hợp lệ"
    what = "bộ tiêu chí" if part == "content" else "tệp ca kiểm thử"
    more = f" (và {len(errors) - 1} lỗi khác)" if len(errors) > 1 else ""
    return RulesVersionError(
        "rules_invalid", f"Nội dung {what} không hợp lệ: {part}:{first}{more}", 422, errors
    )


# ---- authorization ------------------------------------------------------------------------


def require_reader(actor: Actor) -> None:
    if actor.role not in (Role.RULES_ADMIN, Role.AUDITOR):
        raise RulesVersionError(
            "forbidden", "Chỉ quản trị tiêu chí hoặc kiểm toán được xem các phiên bản.", 403
        )


def require_admin(actor: Actor) -> None:
    if actor.role is not Role.RULES_ADMIN:
        raise RulesVersionError(
            "forbidden", "Chỉ quản trị tiêu chí được thay đổi các phiên bản bộ tiêu chí.", 403
        )


# ---- parsing ------------------------------------------------------------------------------


def parse_content(content: str, name: str = "content") -> Ruleset:
    """Validate YAML rules text with the loader; RulesVersionError(rules_invalid) lists issues."""
    if len(content.encode("utf-8")) > MAX_TEXT_BYTES:
        raise RulesVersionError(
            "rules_invalid", f"Nội dung quá lớn (tối đa {MAX_TEXT_BYTES} byte).", 422
        )
    try:
        return load_ruleset(name, content)
    except RulesFileError as exc:
        raise _invalid("content", exc) from None


def parse_golden(text: str, rs: Ruleset) -> GoldenFile:
    """Validate golden-case YAML text; it must be written for ``rs``'s id and version."""
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise RulesVersionError(
            "rules_invalid", f"Tệp ca kiểm thử quá lớn (tối đa {MAX_TEXT_BYTES} byte).", 422
        )
    try:
        golden = load_golden("golden", text)
    except RulesFileError as exc:
        raise _invalid("golden", exc) from None
    if (golden.ruleset_id, golden.version) != (rs.id, rs.version):
        issue = Issue(
            "golden",
            1,
            1,
            f"tệp ca kiểm thử dành cho {golden.ruleset_id}@{golden.version}, "
            f"không phải {rs.id}@{rs.version}",
        )
        raise _invalid("golden", RulesFileError([issue]))
    return golden


# ---- views --------------------------------------------------------------------------------


class RulesVersionView(BaseModel):
    """A version's governance record (without its texts)."""

    ruleset_id: str
    version: str
    sha256: str
    status: Status
    status_vi: str
    author: str
    approved_by: str | None
    approved_at: dt.datetime | None
    published_by: str | None
    published_at: dt.datetime | None
    retired_by: str | None
    retired_at: dt.datetime | None
    effective_from: dt.date | None
    effective_to: dt.date | None
    supersedes: str | None
    notes: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class RulesVersionDetail(RulesVersionView):
    content: str
    golden: str | None
    rules: int
    golden_cases: int


def _utc(at: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes: they were stored in UTC."""
    if at is None or at.tzinfo is not None:
        return at
    return at.replace(tzinfo=dt.UTC)


def _view(row: RulesVersionRow) -> RulesVersionView:
    return RulesVersionView(
        ruleset_id=row.ruleset_id,
        version=row.version,
        sha256=row.sha256,
        status=row.status,
        status_vi=STATUS_VI.get(row.status, row.status),
        author=row.author,
        approved_by=row.approved_by,
        approved_at=_utc(row.approved_at),
        published_by=row.published_by,
        published_at=_utc(row.published_at),
        retired_by=row.retired_by,
        retired_at=_utc(row.retired_at),
        effective_from=row.effective_from,
        effective_to=row.effective_to,
        supersedes=row.supersedes,
        notes=row.notes,
        created_at=_utc(row.created_at) or row.created_at,
        updated_at=_utc(row.updated_at) or row.updated_at,
    )


def _detail(row: RulesVersionRow) -> RulesVersionDetail:
    rs = load_ruleset(f"{row.ruleset_id}@{row.version}", row.content)
    cases = 0
    if row.golden:
        try:
            cases = len(load_golden("golden", row.golden).cases)
        except RulesFileError:
            cases = 0
    return RulesVersionDetail(
        **_view(row).model_dump(),
        content=row.content,
        golden=row.golden,
        rules=len(rs.rules),
        golden_cases=cases,
    )


def _audit_state(row: RulesVersionRow) -> dict[str, Any]:
    return {
        "status": row.status,
        "sha256": row.sha256,
        "author": row.author,
        "approved_by": row.approved_by,
        "published_by": row.published_by,
        "effective_from": row.effective_from.isoformat() if row.effective_from else None,
        "effective_to": row.effective_to.isoformat() if row.effective_to else None,
    }


def _audit(
    session: Session,
    action: str,
    object_id: str,
    actor: Actor,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    object_type: str = "rules_version",
) -> None:
    """Record in the audit log (same transaction as the change)."""
    audit.record(
        session,
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor=actor.username,
        actor_role=actor.role.value,
        before=before,
        after=after,
    )


# ---- reading ------------------------------------------------------------------------------


def _row(session: Session, ruleset_id: str, version: str) -> RulesVersionRow | None:
    return session.scalars(
        select(RulesVersionRow).where(
            RulesVersionRow.ruleset_id == ruleset_id, RulesVersionRow.version == version
        )
    ).first()


def _require(session: Session, ruleset_id: str, version: str) -> RulesVersionRow:
    row = _row(session, ruleset_id, version)
    if row is None:
        raise _not_found(ruleset_id, version)
    return row


def get_version(
    session: Session, ruleset_id: str, version: str
) -> tuple[Ruleset, GoldenFile | None]:
    """The parsed ruleset of any stored version (retired included) and its golden cases."""
    row = _require(session, ruleset_id, version)
    rs = load_ruleset(f"{ruleset_id}@{version}", row.content)
    golden = None
    if row.golden:
        try:
            golden = load_golden(f"{ruleset_id}@{version}.golden", row.golden)
        except RulesFileError:
            golden = None
    return rs, golden


def list_versions(
    session: Session, actor: Actor, ruleset_id: str | None = None, status: str | None = None
) -> list[RulesVersionView]:
    require_reader(actor)
    q = select(RulesVersionRow).order_by(RulesVersionRow.ruleset_id, RulesVersionRow.id)
    if ruleset_id is not None:
        q = q.where(RulesVersionRow.ruleset_id == ruleset_id)
    if status is not None:
        q = q.where(RulesVersionRow.status == status)
    return [_view(r) for r in session.scalars(q)]


def show_version(
    session: Session, actor: Actor, ruleset_id: str, version: str
) -> RulesVersionDetail:
    require_reader(actor)
    return _detail(_require(session, ruleset_id, version))


def published_windows(session: Session) -> list[VersionWindow]:
    """Every published version's window (only the columns needed: no YAML texts)."""
    rows = session.execute(
        select(
            RulesVersionRow.ruleset_id,
            RulesVersionRow.version,
            RulesVersionRow.sha256,
            RulesVersionRow.effective_from,
            RulesVersionRow.effective_to,
        ).where(RulesVersionRow.status == PUBLISHED, RulesVersionRow.effective_from.is_not(None))
    )
    return [VersionWindow(r[0], r[1], r[2], r[3], r[4]) for r in rows if r[3] is not None]


def in_force(session: Session, on: dt.date) -> VersionWindow | None:
    """The published version in force on ``on`` (None if none)."""
    found = [w for w in published_windows(session) if w.in_force(on)]
    return found[0] if len(found) == 1 else None


# ---- the registry over the database -------------------------------------------------------


class DbRulesetSource:
    """`rules.registry.RulesetSource` over ``rules_versions`` (one short transaction per call)."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def published(self) -> list[VersionWindow]:
        with self._uow.session() as session:
            return published_windows(session)

    def content(self, ruleset_id: str, version: str) -> VersionContent | None:
        with self._uow.session() as session:
            row = _row(session, ruleset_id, version)
            if row is None:
                return None
            return VersionContent(row.content, row.sha256, mutable=row.status == DRAFT)


def db_registry(uow: SqlUnitOfWork) -> SourcedRulesRegistry:
    """The registry the service evaluates with: the database's published versions."""
    return SourcedRulesRegistry(DbRulesetSource(uow))


def db_engine(uow: SqlUnitOfWork) -> RulesEngine:
    """A rules engine over the database's versions (build it in entry points only)."""
    from rules.engine import RulesEngine

    return RulesEngine(db_registry(uow))


# ---- seeding ------------------------------------------------------------------------------


def shipped_seed_rows(now: dt.datetime) -> list[dict[str, Any]]:
    """Rows for the rulesets shipped in ``rules/rulesets/``: published, author ``seed``."""
    rows: list[dict[str, Any]] = []
    files = sorted(
        p
        for p in DEFAULT_DIRECTORY.glob("*.yaml")
        if p.is_file() and not p.name.endswith(GOLDEN_SUFFIX)
    )
    for path in files:
        content = path.read_text(encoding="utf-8")
        rs = load_ruleset(path, content)
        golden_path = golden_path_for(path)
        golden = golden_path.read_text(encoding="utf-8") if golden_path.exists() else None
        rows.append(
            {
                "ruleset_id": rs.id,
                "version": rs.version,
                "sha256": rs.sha256,
                "content": content,
                "golden": golden,
                "status": PUBLISHED,
                "author": SEED_AUTHOR,
                "approved_by": SEED_AUTHOR,
                "approved_at": now,
                "published_by": SEED_AUTHOR,
                "published_at": now,
                "effective_from": rs.effective_from,
                "effective_to": rs.effective_to,
                "notes": f"Phiên bản khởi tạo từ tệp {path.name} trong mã nguồn.",
            }
        )
    return rows


# ---- changing versions --------------------------------------------------------------------


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


def _check_texts(body: UploadRequest) -> tuple[Ruleset, GoldenFile | None]:
    rs = parse_content(body.content)
    golden = parse_golden(body.golden, rs) if body.golden is not None else None
    return rs, golden


def upload(session: Session, actor: Actor, body: UploadRequest) -> RulesVersionDetail:
    """Store a new draft (or replace an existing draft of the same id and version)."""
    require_admin(actor)
    rs, _ = _check_texts(body)
    now = dt.datetime.now(dt.UTC)
    row = _row(session, rs.id, rs.version)
    if row is not None:
        if row.status != DRAFT:
            raise RulesVersionError(
                "rules_version_exists",
                f"Phiên bản {rs.id}@{rs.version} đã tồn tại ({STATUS_VI[row.status]}); "
                "hãy đặt số phiên bản mới trong tệp (khóa version).",
            )
        return _replace_draft(session, actor, row, rs, body, now)
    row = RulesVersionRow(
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
    session.add(row)
    session.flush()
    _audit(
        session, "rules.version.uploaded", f"{rs.id}@{rs.version}", actor, None, _audit_state(row)
    )
    return _detail(row)


def _replace_draft(
    session: Session,
    actor: Actor,
    row: RulesVersionRow,
    rs: Ruleset,
    body: UploadRequest,
    now: dt.datetime,
) -> RulesVersionDetail:
    before = _audit_state(row)
    row.content = body.content
    row.sha256 = rs.sha256
    if body.golden is not None:
        row.golden = body.golden
    if body.notes is not None:
        row.notes = body.notes
    row.author = actor.username  # whoever edited last is the author: approval needs another admin
    row.updated_at = now
    session.flush()
    _audit(
        session,
        "rules.version.uploaded",
        f"{row.ruleset_id}@{row.version}",
        actor,
        before,
        _audit_state(row),
    )
    return _detail(row)


def replace_draft(
    session: Session, actor: Actor, ruleset_id: str, version: str, body: UploadRequest
) -> RulesVersionDetail:
    """PUT: edit a draft's texts; the content must keep its id and version."""
    require_admin(actor)
    row = _require(session, ruleset_id, version)
    if row.status != DRAFT:
        raise RulesVersionError(
            "rules_wrong_status",
            f"Chỉ sửa được bản nháp; {ruleset_id}@{version} đang ở trạng thái "
            f"«{STATUS_VI[row.status]}».",
        )
    rs, _ = _check_texts(body)
    if (rs.id, rs.version) != (ruleset_id, version):
        raise RulesVersionError(
            "rules_invalid",
            f"Nội dung khai báo {rs.id}@{rs.version}, không phải {ruleset_id}@{version}; "
            "hãy tải lên như một phiên bản mới.",
            422,
            [{"field": "content", "line": 1, "column": 1, "message": "id/version không khớp"}],
        )
    return _replace_draft(session, actor, row, rs, body, dt.datetime.now(dt.UTC))


class ValidationReport(BaseModel):
    ruleset_id: str
    version: str
    sha256: str
    valid: bool
    rules: int
    golden_cases: int
    errors: list[dict[str, Any]]


def validate(session: Session, actor: Actor, ruleset_id: str, version: str) -> ValidationReport:
    """Re-check the stored content and golden cases with the loaders (nothing written)."""
    require_reader(actor)
    row = _require(session, ruleset_id, version)
    errors: list[dict[str, Any]] = []
    rules = cases = 0
    try:
        rs = parse_content(row.content)
        rules = len(rs.rules)
        if row.golden is None:
            errors.append(
                {"field": "golden", "line": 1, "column": 1, "message": "chưa có ca kiểm thử"}
            )
        else:
            cases = len(parse_golden(row.golden, rs).cases)
    except RulesVersionError as exc:
        errors.extend(exc.errors or [{"field": "", "line": 1, "column": 1, "message": exc.message}])
    return ValidationReport(
        ruleset_id=ruleset_id,
        version=version,
        sha256=row.sha256,
        valid=not errors,
        rules=rules,
        golden_cases=cases,
        errors=errors,
    )


class GoldenCaseResult(BaseModel):
    id: str
    passed: bool
    expected: str
    actual: str
    problems: list[str]


class GoldenReport(BaseModel):
    ruleset_id: str
    version: str
    sha256: str
    passed: int
    failed: int
    cases: list[GoldenCaseResult]


def _golden_report(engine: RulesEngine, row: RulesVersionRow) -> GoldenReport:
    rs = parse_content(row.content)
    if not row.golden:
        raise RulesVersionError(
            "rules_golden_missing",
            f"Phiên bản {row.ruleset_id}@{row.version} chưa có ca kiểm thử (golden); "
            "hãy tải lên cùng tệp .golden.yaml.",
        )
    golden = parse_golden(row.golden, rs)
    results = run_golden(engine, LoadedRuleset(rs), golden)
    cases = [
        GoldenCaseResult(
            id=r.case.id,
            passed=r.passed,
            expected=r.case.expected_text(),
            actual=r.actual_text(),
            problems=list(r.problems),
        )
        for r in results
    ]
    failed = sum(1 for c in cases if not c.passed)
    return GoldenReport(
        ruleset_id=row.ruleset_id,
        version=row.version,
        sha256=row.sha256,
        passed=len(cases) - failed,
        failed=failed,
        cases=cases,
    )


def run_tests(
    session: Session, actor: Actor, engine: RulesEngine, ruleset_id: str, version: str
) -> GoldenReport:
    """Run the version's golden cases with the real engine (nothing written)."""
    require_reader(actor)
    return _golden_report(engine, _require(session, ruleset_id, version))


class ChangeView(BaseModel):
    section: str
    name: str
    kind: str
    details: list[tuple[str, str, str]]
    lines_vi: list[str]


class DiffReport(BaseModel):
    from_version: str | None
    to_version: str
    ruleset_id: str
    changes: list[ChangeView]


def _reference_for_diff(session: Session, row: RulesVersionRow) -> RulesVersionRow | None:
    """The published version of the same ruleset in force today, else the latest published."""
    published = [
        r
        for r in session.scalars(
            select(RulesVersionRow).where(
                RulesVersionRow.ruleset_id == row.ruleset_id, RulesVersionRow.status == PUBLISHED
            )
        )
        if r.id != row.id
    ]
    today = dt.date.today()
    for r in published:
        if (
            r.effective_from
            and r.effective_from <= today
            and (r.effective_to is None or today <= r.effective_to)
        ):
            return r
    published.sort(key=lambda r: r.effective_from or dt.date.min)
    return published[-1] if published else None


def diff_version(
    session: Session, actor: Actor, ruleset_id: str, version: str, against: str | None = None
) -> DiffReport:
    """What changes from the published version (or ``against``) to this one."""
    require_reader(actor)
    row = _require(session, ruleset_id, version)
    ref = (
        _require(session, ruleset_id, against)
        if against is not None
        else _reference_for_diff(session, row)
    )
    new = load_ruleset(f"{ruleset_id}@{version}", row.content)
    changes: list[ChangeView] = []
    if ref is not None:
        old = load_ruleset(f"{ruleset_id}@{ref.version}", ref.content)
        changes = [
            ChangeView(
                section=c.section,
                name=c.name,
                kind=c.kind,
                details=list(c.details),
                lines_vi=c.lines_vi(),
            )
            for c in diff_rulesets(old, new)
        ]
    return DiffReport(
        from_version=ref.version if ref is not None else None,
        to_version=version,
        ruleset_id=ruleset_id,
        changes=changes,
    )


def approve(session: Session, actor: Actor, ruleset_id: str, version: str) -> RulesVersionView:
    """A second rules admin (not the author) approves a draft."""
    require_admin(actor)
    row = _require(session, ruleset_id, version)
    if row.status != DRAFT:
        raise RulesVersionError(
            "rules_wrong_status",
            f"Chỉ duyệt được bản nháp; {ruleset_id}@{version} đang ở trạng thái "
            f"«{STATUS_VI[row.status]}».",
        )
    if row.author == actor.username:
        raise RulesVersionError(
            "rules_second_admin_required",
            f"Người soạn ({row.author}) không được tự duyệt phiên bản {ruleset_id}@{version}; "
            "cần một quản trị tiêu chí khác duyệt.",
        )
    before = _audit_state(row)
    now = dt.datetime.now(dt.UTC)
    row.status = APPROVED
    row.approved_by = actor.username
    row.approved_at = now
    row.updated_at = now
    session.flush()
    _audit(
        session,
        "rules.version.approved",
        f"{ruleset_id}@{version}",
        actor,
        before,
        _audit_state(row),
    )
    return _view(row)


def _lock_ruleset(session: Session, ruleset_id: str) -> None:
    """Serialise publish/rollback of one ruleset (PostgreSQL row locks; SQLite writes serialise)."""
    session.execute(
        select(RulesVersionRow.id)
        .where(RulesVersionRow.ruleset_id == ruleset_id)
        .order_by(RulesVersionRow.id)
        .with_for_update()
    )


def _published_rows(session: Session) -> list[RulesVersionRow]:
    return list(session.scalars(select(RulesVersionRow).where(RulesVersionRow.status == PUBLISHED)))


def _overlaps(a_from: dt.date, a_to: dt.date | None, b_from: dt.date, b_to: dt.date | None) -> bool:
    return a_from <= (b_to or dt.date.max) and b_from <= (a_to or dt.date.max)


def publish(
    session: Session,
    actor: Actor,
    engine: RulesEngine,
    ruleset_id: str,
    version: str,
    body: PublishRequest,
) -> RulesVersionView:
    """Publish an approved version whose golden cases all pass, from ``effective_from``."""
    require_admin(actor)
    _lock_ruleset(session, ruleset_id)
    row = _require(session, ruleset_id, version)
    name = f"{ruleset_id}@{version}"
    if row.status == DRAFT:
        raise RulesVersionError(
            "rules_second_admin_required",
            f"Phiên bản {name} chưa được quản trị tiêu chí thứ hai duyệt; "
            "không thể công bố khi chưa có người duyệt khác người soạn.",
        )
    if row.status != APPROVED:
        raise RulesVersionError(
            "rules_wrong_status",
            f"Chỉ công bố được phiên bản đã duyệt; {name} đang ở trạng thái "
            f"«{STATUS_VI[row.status]}».",
        )
    if row.approved_by is None or row.approved_by == row.author:  # pragma: no cover - defensive
        raise RulesVersionError(
            "rules_second_admin_required", f"Phiên bản {name} cần người duyệt khác người soạn."
        )
    report = _golden_report(engine, row)
    if report.failed or not report.cases:
        failing = [c for c in report.cases if not c.passed]
        raise RulesVersionError(
            "rules_golden_failed",
            f"Không công bố {name}: {report.failed}/{len(report.cases)} ca kiểm thử không đạt "
            f"({', '.join(c.id for c in failing[:5])}{'…' if len(failing) > 5 else ''}).",
            409,
            [
                {"field": f"golden.{c.id}", "message": "; ".join(c.problems) or "không đạt"}
                for c in failing
            ],
        )
    rs = parse_content(row.content)
    start = body.effective_from
    end = body.effective_to if body.effective_to is not None else rs.effective_to
    if end is not None and end < start:
        raise RulesVersionError(
            "rules_invalid_window",
            f"Ngày hết hiệu lực {end.isoformat()} trước ngày bắt đầu {start.isoformat()}.",
            422,
            [{"field": "effective_to", "message": "phải sau effective_from"}],
        )
    siblings = [r for r in _published_rows(session) if r.ruleset_id == ruleset_id]
    later = [r for r in siblings if r.effective_from is not None and r.effective_from >= start]
    if later:
        r = later[0]
        assert r.effective_from is not None
        raise RulesVersionError(
            "rules_window_conflict",
            f"Phiên bản {ruleset_id}@{r.version} đã có hiệu lực từ ngày "
            f"{r.effective_from.isoformat()}; ngày bắt đầu của {name} phải sau ngày đó "
            "(hoặc hãy thu hồi phiên bản kia trước).",
        )
    for other in _published_rows(session):
        if other.ruleset_id == ruleset_id or other.effective_from is None:
            continue
        if _overlaps(start, end, other.effective_from, other.effective_to):
            raise RulesVersionError(
                "rules_window_conflict",
                f"Thời gian hiệu lực của {name} trùng với bộ tiêu chí "
                f"{other.ruleset_id}@{other.version}; mỗi ngày chỉ một bộ tiêu chí có hiệu lực.",
            )
    now = dt.datetime.now(dt.UTC)
    before = _audit_state(row)
    previous = max(siblings, key=lambda r: r.effective_from or dt.date.min, default=None)
    if previous is not None and (previous.effective_to is None or previous.effective_to >= start):
        prev_before = _audit_state(previous)
        row.supersedes = previous.version
        row.supersedes_effective_to = previous.effective_to
        previous.effective_to = start - dt.timedelta(days=1)
        previous.updated_at = now
        _audit(
            session,
            "rules.version.published",
            f"{ruleset_id}@{previous.version}",
            actor,
            prev_before,
            {**_audit_state(previous), "superseded_by": version},
        )
    row.status = PUBLISHED
    row.published_by = actor.username
    row.published_at = now
    row.effective_from = start
    row.effective_to = end
    row.updated_at = now
    session.flush()
    _audit(
        session,
        "rules.version.published",
        name,
        actor,
        before,
        {**_audit_state(row), "supersedes": row.supersedes, "golden_passed": report.passed},
    )
    return _view(row)


def retire(session: Session, actor: Actor, ruleset_id: str, version: str) -> RulesVersionView:
    """Withdraw a draft or an approved version (a published one is rolled back instead)."""
    require_admin(actor)
    row = _require(session, ruleset_id, version)
    if row.status not in (DRAFT, APPROVED):
        hint = (
            " Dùng «rollback» để thu hồi phiên bản đang công bố." if row.status == PUBLISHED else ""
        )
        raise RulesVersionError(
            "rules_wrong_status",
            f"{ruleset_id}@{version} đang ở trạng thái «{STATUS_VI[row.status]}».{hint}",
        )
    before = _audit_state(row)
    now = dt.datetime.now(dt.UTC)
    row.status = RETIRED
    row.retired_by = actor.username
    row.retired_at = now
    row.updated_at = now
    session.flush()
    _audit(
        session,
        "rules.version.retired",
        f"{ruleset_id}@{version}",
        actor,
        before,
        _audit_state(row),
    )
    return _view(row)


def rollback(session: Session, actor: Actor, ruleset_id: str, version: str) -> RulesVersionView:
    """Retire the latest published version and reopen the window of the version it closed."""
    require_admin(actor)
    _lock_ruleset(session, ruleset_id)
    row = _require(session, ruleset_id, version)
    name = f"{ruleset_id}@{version}"
    if row.status != PUBLISHED:
        raise RulesVersionError(
            "rules_wrong_status",
            f"Chỉ thu hồi (rollback) được phiên bản đang công bố; {name} đang ở trạng thái "
            f"«{STATUS_VI[row.status]}».",
        )
    siblings = [
        r for r in _published_rows(session) if r.ruleset_id == ruleset_id and r.id != row.id
    ]
    start = row.effective_from or dt.date.min
    if any((r.effective_from or dt.date.min) > start for r in siblings):
        raise RulesVersionError(
            "rules_wrong_status",
            f"{name} không phải phiên bản công bố mới nhất của {ruleset_id}; "
            "hãy thu hồi phiên bản mới nhất trước.",
        )
    previous = next((r for r in siblings if r.version == row.supersedes), None)
    if previous is None:
        raise RulesVersionError(
            "rules_no_previous_version",
            f"Không có phiên bản trước của {ruleset_id} để khôi phục khi thu hồi {name}; "
            "hãy công bố phiên bản thay thế trước.",
        )
    now = dt.datetime.now(dt.UTC)
    before = {**_audit_state(row), "reopened": previous.version}
    prev_before = previous.effective_to
    previous.effective_to = row.supersedes_effective_to
    previous.updated_at = now
    row.status = RETIRED
    row.retired_by = actor.username
    row.retired_at = now
    row.updated_at = now
    session.flush()
    _audit(
        session,
        "rules.version.rolled_back",
        name,
        actor,
        before,
        {
            **_audit_state(row),
            "reopened": previous.version,
            "reopened_effective_to_before": prev_before.isoformat() if prev_before else None,
            "reopened_effective_to": previous.effective_to.isoformat()
            if previous.effective_to
            else None,
        },
    )
    return _view(row)


# ---- re-evaluating in-flight nominations under another version -----------------------------


class ReevaluationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ruleset_id: str = Field(min_length=1, max_length=64)
    version: str = Field(min_length=1, max_length=32, description="Phiên bản đích (đã công bố)")
    nominations: list[str] | None = Field(
        default=None,
        max_length=1000,
        description="Mã hồ sơ cần xét lại (mặc định: mọi hồ sơ đang xử lý theo phiên bản khác)",
    )
    reason: str | None = Field(default=None, max_length=2000)


class DecisionBrief(BaseModel):
    version: str
    status: str
    titles: list[str]
    proposals: list[str]


class ReevaluationItem(BaseModel):
    nomination: str
    unit: str
    stage: str
    current: DecisionBrief
    proposed: DecisionBrief
    changed: bool
    now_fired: list[str] = Field(description="Quy tắc áp dụng theo phiên bản mới mà trước không")
    no_longer_fired: list[str] = Field(description="Quy tắc trước áp dụng, phiên bản mới thì không")
    applied: bool | None = None
    error: str | None = None


class ReevaluationPreview(BaseModel):
    ruleset_id: str
    version: str
    sha256: str
    items: list[ReevaluationItem]
    changed: int


def _target(session: Session, ruleset_id: str, version: str) -> RulesVersionRow:
    row = _require(session, ruleset_id, version)
    if row.status != PUBLISHED:
        raise RulesVersionError(
            "rules_wrong_status",
            f"Chỉ xét lại theo phiên bản đã công bố; {ruleset_id}@{version} đang ở trạng thái "
            f"«{STATUS_VI[row.status]}».",
        )
    return row


def in_flight(
    session: Session, ruleset_id: str, version: str, keys: Sequence[str] | None
) -> list[NominationRow]:
    """Nominations not yet final, evaluated under another version of ``ruleset_id``."""
    q = (
        select(NominationRow)
        .where(
            NominationRow.stage.not_in((*FINAL_STAGES, Stage.SUBMITTED.value)),
            NominationRow.ruleset_id == ruleset_id,
            NominationRow.ruleset_version != version,
        )
        .order_by(NominationRow.id)
    )
    if keys is not None:
        q = q.where(NominationRow.key.in_(list(keys)))
    return list(session.scalars(q))


def preview(
    session: Session, actor: Actor, engine: RulesEngine, body: ReevaluationRequest
) -> ReevaluationPreview:
    """Which in-flight nominations would change under the target version, and by which rules."""
    require_reader(actor)
    target = _target(session, body.ruleset_id, body.version)
    new_lr = engine.registry.get(body.ruleset_id, body.version)
    items: list[ReevaluationItem] = []
    for row in in_flight(session, body.ruleset_id, body.version, body.nominations):
        try:
            old_lr = engine.registry.get(row.ruleset_id or "", row.ruleset_version or "")
            old = engine.evaluate_many([row.facts], ruleset=old_lr)[0]
            new = engine.evaluate_many([row.facts], ruleset=new_lr)[0]
        except (FactsError, LookupError) as exc:
            items.append(
                ReevaluationItem(
                    nomination=row.key,
                    unit=row.unit.code,
                    stage=row.stage,
                    current=DecisionBrief(
                        version=row.ruleset_version or "",
                        status=row.status or "",
                        titles=list(row.titles),
                        proposals=list(row.proposals),
                    ),
                    proposed=DecisionBrief(
                        version=body.version, status="", titles=[], proposals=[]
                    ),
                    changed=False,
                    now_fired=[],
                    no_longer_fired=[],
                    error=str(exc),
                )
            )
            continue
        current = DecisionBrief(
            version=row.ruleset_version or "",
            status=row.status or old.status.value,
            titles=list(row.titles),
            proposals=list(row.proposals),
        )
        proposed = DecisionBrief(
            version=body.version,
            status=new.status.value,
            titles=list(new.titles),
            proposals=list(new.proposals),
        )
        changed = (current.status, current.titles, current.proposals) != (
            proposed.status,
            proposed.titles,
            proposed.proposals,
        )
        items.append(
            ReevaluationItem(
                nomination=row.key,
                unit=row.unit.code,
                stage=row.stage,
                current=current,
                proposed=proposed,
                changed=changed,
                now_fired=sorted(set(new.fired) - set(old.fired)),
                no_longer_fired=sorted(set(old.fired) - set(new.fired)),
            )
        )
    return ReevaluationPreview(
        ruleset_id=body.ruleset_id,
        version=body.version,
        sha256=target.sha256,
        items=items,
        changed=sum(1 for i in items if i.changed),
    )


async def apply_reevaluation(
    client: Client,
    uow: SqlUnitOfWork,
    engine: RulesEngine,
    actor: Actor,
    body: ReevaluationRequest,
) -> ReevaluationPreview:
    """Re-evaluate the selected in-flight nominations under the target version (audited).

    Each nomination gets one workflow update ``reevaluate_criteria`` whose update id names the
    target version, so repeating the call re-evaluates nothing twice; a nomination already on the
    target version is no longer in flight for it and is skipped.
    """
    from temporalio.client import WorkflowUpdateFailedError
    from temporalio.exceptions import ApplicationError
    from temporalio.service import RPCError, RPCStatusCode

    from thidua.domain.nominations import ReevaluateCriteriaInput, RulesetRef
    from workflows.nomination import NominationWorkflow

    require_admin(actor)

    def _plan() -> tuple[ReevaluationPreview, dict[str, str]]:
        with uow.session() as session:
            plan = preview(session, actor, engine, body)
            ids = {
                r.key: r.workflow_id
                for r in in_flight(session, body.ruleset_id, body.version, body.nominations)
            }
        return plan, ids

    plan, workflow_ids = await asyncio.to_thread(_plan)
    target = RulesetRef(id=plan.ruleset_id, version=plan.version, sha256=plan.sha256)
    update_id = f"reevaluate:{target.id}@{target.version}:{target.sha256[:16]}"
    for item in plan.items:
        if item.error is not None:
            item.applied = False
            continue
        handle = client.get_workflow_handle_for(
            NominationWorkflow.run, workflow_ids[item.nomination]
        )
        try:
            await handle.execute_update(
                NominationWorkflow.reevaluate_criteria,
                ReevaluateCriteriaInput(actor=actor, ruleset=target, reason=body.reason),
                id=update_id,
            )
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            item.applied = False
            item.error = cause.message if isinstance(cause, ApplicationError) else str(exc)
            continue
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            item.applied = False
            item.error = "Hồ sơ đã kết thúc quy trình."
            continue
        item.applied = True  # audited by the evaluation activity, in its own transaction
    return plan
