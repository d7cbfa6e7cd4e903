"""Reading the stored versions, and checking texts before they are stored.

Every read and write goes through the transaction's ``RulesVersionStore``; this module says what
the use cases need of it once: a version that must exist, a version's parsed ruleset, the
published windows, and the loaders' checks of uploaded texts as refusals (``rules_invalid`` with
each issue's field, line and column).
"""

from __future__ import annotations

import datetime as dt

from rules.errors import Issue, RulesFileError
from rules.golden import GoldenFile, load_golden
from rules.loader import load_ruleset
from rules.model import Ruleset
from rules.registry import VersionWindow
from thidua.app.ports.rules_versions import RulesVersion
from thidua.app.ports.uow import Tx
from thidua.domain.labels import RULES_VERSION_STATUS_LABEL_VI
from thidua.domain.refusals import FieldError, Refusal, RefusalCode
from thidua.domain.roster import roster_rule

MAX_TEXT_BYTES = 1_000_000
RULES_INVALID = "rules_invalid"


# ---- refusals -------------------------------------------------------------------------------


def not_found(ruleset_id: str, version: str) -> Refusal:
    return Refusal(RefusalCode.NOT_FOUND, f"Không có phiên bản bộ tiêu chí {ruleset_id}@{version}.")


def wrong_status(message: str) -> Refusal:
    return Refusal(RefusalCode.WRONG_STAGE, message, problem="rules_wrong_status")


def status_vi(v: RulesVersion) -> str:
    return RULES_VERSION_STATUS_LABEL_VI.get(v.status, v.status)


def _issues(part: str, exc: RulesFileError) -> list[FieldError]:
    return [
        FieldError(part, f"{i.line}:{i.column}: {i.message}", line=i.line, column=i.column)
        for i in exc.issues
    ]


def invalid(part: str, exc: RulesFileError) -> Refusal:
    """The loader's issues with ``part`` (``content`` or ``golden``), each at its line."""
    errors = _issues(part, exc)
    first = errors[0].message if errors else "không hợp lệ"
    what = "bộ tiêu chí" if part == "content" else "tệp ca kiểm thử"
    more = f" (và {len(errors) - 1} lỗi khác)" if len(errors) > 1 else ""
    return Refusal(
        RefusalCode.INVALID,
        f"Nội dung {what} không hợp lệ: {part}:{first}{more}",
        problem=RULES_INVALID,
        errors=errors,
    )


# ---- parsing ------------------------------------------------------------------------------


def parse_content(content: str, name: str = "content") -> Ruleset:
    """Validate YAML rules text with the loader; ``Refusal(rules_invalid)`` lists the issues."""
    if len(content.encode("utf-8")) > MAX_TEXT_BYTES:
        raise Refusal(
            RefusalCode.INVALID,
            f"Nội dung quá lớn (tối đa {MAX_TEXT_BYTES} byte).",
            problem=RULES_INVALID,
        )
    try:
        rs = load_ruleset(name, content)
        _check_roster_rule(name, content, rs)
    except RulesFileError as exc:
        raise invalid("content", exc) from None
    return rs


def _check_roster_rule(name: str, content: str, rs: Ruleset) -> None:
    """The consolidation's transfer rule (param ``roster_rule``) must be one it knows."""
    try:
        roster_rule({k: p.value for k, p in rs.params.items()})
    except ValueError as exc:
        lines = content.splitlines()
        line = next((i for i, t in enumerate(lines, 1) if t.strip().startswith("roster_rule:")), 1)
        raise RulesFileError([Issue(name, line, 1, str(exc), "type")]) from None


def parse_golden(text: str, rs: Ruleset) -> GoldenFile:
    """Validate golden-case YAML text; it must be written for ``rs``'s id and version."""
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise Refusal(
            RefusalCode.INVALID,
            f"Tệp ca kiểm thử quá lớn (tối đa {MAX_TEXT_BYTES} byte).",
            problem=RULES_INVALID,
        )
    try:
        golden = load_golden("golden", text)
    except RulesFileError as exc:
        raise invalid("golden", exc) from None
    if (golden.ruleset_id, golden.version) != (rs.id, rs.version):
        issue = Issue(
            "golden",
            1,
            1,
            f"tệp ca kiểm thử dành cho {golden.ruleset_id}@{golden.version}, "
            f"không phải {rs.id}@{rs.version}",
        )
        raise invalid("golden", RulesFileError([issue]))
    return golden


# ---- reading ------------------------------------------------------------------------------


def require(tx: Tx, ruleset_id: str, version: str) -> RulesVersion:
    """The stored version, else ``Refusal(not_found)``."""
    found = tx.rules_versions.get(ruleset_id, version)
    if found is None:
        raise not_found(ruleset_id, version)
    return found


def get_version(tx: Tx, ruleset_id: str, version: str) -> tuple[Ruleset, GoldenFile | None]:
    """The parsed ruleset of any stored version (retired included) and its golden cases."""
    v = require(tx, ruleset_id, version)
    rs = load_ruleset(v.name, v.content)
    golden = None
    if v.golden:
        try:
            golden = load_golden(f"{v.name}.golden", v.golden)
        except RulesFileError:
            golden = None
    return rs, golden


def published_windows(tx: Tx) -> list[VersionWindow]:
    """Every published version's window (only what the choice by date needs: no YAML texts)."""
    return tx.rules_versions.published_windows()


def in_force(tx: Tx, on: dt.date) -> VersionWindow | None:
    """The published version in force on ``on`` (None if none, or if several rulesets are)."""
    found = all_in_force(tx, on)
    return found[0] if len(found) == 1 else None


def all_in_force(tx: Tx, on: dt.date) -> list[VersionWindow]:
    """Every published version in force on ``on`` (at most one per ruleset id), by id."""
    return sorted((w for w in published_windows(tx) if w.in_force(on)), key=lambda w: w.ruleset_id)
