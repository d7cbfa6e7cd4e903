"""Reading the governed versions: list, show, validate, run the golden cases, diff.

Rules administrators and auditors read (``policy.check_rules_read``); nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from rules.diff import diff_rulesets
from rules.engine import RulesEngine
from rules.errors import RulesFileError
from rules.golden import load_golden, run_golden
from rules.loader import load_ruleset
from rules.registry import LoadedRuleset
from thidua.app.ports.rules_versions import PUBLISHED, RulesVersion, Status
from thidua.app.ports.uow import Tx
from thidua.app.rules_versions.store import parse_content, parse_golden, require, status_vi
from thidua.domain.policy import check_rules_read
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor

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


class ValidationReport(BaseModel):
    ruleset_id: str
    version: str
    sha256: str
    valid: bool
    rules: int
    golden_cases: int
    errors: list[dict[str, Any]]


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


def view(v: RulesVersion) -> RulesVersionView:
    return RulesVersionView(
        ruleset_id=v.ruleset_id,
        version=v.version,
        sha256=v.sha256,
        status=v.status,
        status_vi=status_vi(v),
        author=v.author,
        approved_by=v.approved_by,
        approved_at=v.approved_at,
        published_by=v.published_by,
        published_at=v.published_at,
        retired_by=v.retired_by,
        retired_at=v.retired_at,
        effective_from=v.effective_from,
        effective_to=v.effective_to,
        supersedes=v.supersedes,
        notes=v.notes,
        created_at=v.created_at,
        updated_at=v.updated_at,
    )


def detail(v: RulesVersion) -> RulesVersionDetail:
    rs = load_ruleset(v.name, v.content)
    cases = 0
    if v.golden:
        try:
            cases = len(load_golden("golden", v.golden).cases)
        except RulesFileError:
            cases = 0
    return RulesVersionDetail(
        **view(v).model_dump(),
        content=v.content,
        golden=v.golden,
        rules=len(rs.rules),
        golden_cases=cases,
    )


# ---- use cases ------------------------------------------------------------------------------


def list_versions(
    tx: Tx, actor: Actor, ruleset_id: str | None = None, status: str | None = None
) -> list[RulesVersionView]:
    check_rules_read(actor)
    return [view(v) for v in tx.rules_versions.versions(ruleset_id, status)]


def show_version(tx: Tx, actor: Actor, ruleset_id: str, version: str) -> RulesVersionDetail:
    check_rules_read(actor)
    return detail(require(tx, ruleset_id, version))


def validate(tx: Tx, actor: Actor, ruleset_id: str, version: str) -> ValidationReport:
    """Re-check the stored content and golden cases with the loaders (nothing written)."""
    check_rules_read(actor)
    v = require(tx, ruleset_id, version)
    errors: list[dict[str, Any]] = []
    rules = cases = 0
    try:
        rs = parse_content(v.content)
        rules = len(rs.rules)
        if v.golden is None:
            errors.append(
                {"field": "golden", "line": 1, "column": 1, "message": "chưa có ca kiểm thử"}
            )
        else:
            cases = len(parse_golden(v.golden, rs).cases)
    except Refusal as exc:
        errors.extend(
            [_as_issue(e.as_dict()) for e in exc.errors]
            or [{"field": "", "line": 1, "column": 1, "message": exc.message}]
        )
    return ValidationReport(
        ruleset_id=ruleset_id,
        version=version,
        sha256=v.sha256,
        valid=not errors,
        rules=rules,
        golden_cases=cases,
        errors=errors,
    )


def _as_issue(e: dict[str, Any]) -> dict[str, Any]:
    """An issue as the validation report lists them: field, line, column, message."""
    return {k: e[k] for k in ("field", "line", "column", "message") if k in e}


def golden_report(engine: RulesEngine, v: RulesVersion) -> GoldenReport:
    """Run a version's golden cases with the real engine (``rules_golden_missing`` without)."""
    rs = parse_content(v.content)
    if not v.golden:
        raise Refusal(
            RefusalCode.CONFLICT,
            f"Phiên bản {v.name} chưa có ca kiểm thử (golden); hãy tải lên cùng tệp .golden.yaml.",
            problem="rules_golden_missing",
        )
    golden = parse_golden(v.golden, rs)
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
        ruleset_id=v.ruleset_id,
        version=v.version,
        sha256=v.sha256,
        passed=len(cases) - failed,
        failed=failed,
        cases=cases,
    )


def run_tests(
    tx: Tx, actor: Actor, engine: RulesEngine, ruleset_id: str, version: str
) -> GoldenReport:
    """Run the version's golden cases with the real engine (nothing written)."""
    check_rules_read(actor)
    return golden_report(engine, require(tx, ruleset_id, version))


def _reference_for_diff(tx: Tx, v: RulesVersion) -> RulesVersion | None:
    """The published version of the same ruleset in force today, else the latest published."""
    published = [
        r for r in tx.rules_versions.versions(v.ruleset_id, PUBLISHED) if r.version != v.version
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
    tx: Tx, actor: Actor, ruleset_id: str, version: str, against: str | None = None
) -> DiffReport:
    """What changes from the published version (or ``against``) to this one."""
    check_rules_read(actor)
    v = require(tx, ruleset_id, version)
    ref = require(tx, ruleset_id, against) if against is not None else _reference_for_diff(tx, v)
    new = load_ruleset(v.name, v.content)
    changes: list[ChangeView] = []
    if ref is not None:
        old = load_ruleset(ref.name, ref.content)
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
