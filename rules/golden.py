"""Golden cases beside a rules file (`<name>.golden.yaml`): facts -> expected decision."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rules.decision import Decision, DecisionStatus
from rules.engine import RulesEngine
from rules.errors import FactsError, Issue, RulesFileError
from rules.facts import parse_facts
from rules.reader import Reader
from rules.registry import LoadedRuleset
from rules.yamlsrc import read_yaml

_CASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")
_STATUSES = tuple(DecisionStatus)


@dataclass(frozen=True)
class GoldenCase:
    id: str
    facts: dict[str, Any]
    status: str
    titles: tuple[str, ...] | None = None
    proposals: tuple[str, ...] | None = None
    withheld: tuple[str, ...] | None = None
    fired: tuple[str, ...] | None = None
    description: str | None = None

    def expected_text(self) -> str:
        parts = [self.status]
        if self.titles is not None:
            parts.append("[" + ", ".join(self.titles) + "]")
        if self.proposals:
            parts.append("đề nghị [" + ", ".join(self.proposals) + "]")
        return " ".join(parts)


@dataclass(frozen=True)
class GoldenFile:
    path: Path
    ruleset_id: str
    version: str
    cases: tuple[GoldenCase, ...]


@dataclass
class GoldenResult:
    case: GoldenCase
    decision: Decision | None
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems

    def actual_text(self) -> str:
        d = self.decision
        if d is None:
            return "lỗi"
        parts = [d.status.value, "[" + ", ".join(d.titles) + "]"]
        if d.proposals:
            parts.append("đề nghị [" + ", ".join(d.proposals) + "]")
        return " ".join(parts)


def _codes(r: Reader, path: tuple[str | int, ...], v: object) -> tuple[str, ...] | None:
    if v is None:
        return None
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        r.err(path, "phải là một danh sách chuỗi", "type")
        return None
    return tuple(v)


def load_golden(path: str | Path, raw: bytes | str | None = None) -> GoldenFile:
    """Read and validate a golden file (facts are validated too); raise RulesFileError.

    With ``raw``, that text is read instead of the file (``path`` only names it in messages).
    """
    p = Path(path)
    if raw is None:
        try:
            raw = p.read_bytes()
        except OSError as exc:
            issue = Issue(str(p), 1, 1, f"không đọc được tệp: {exc.strerror}", "io")
            raise RulesFileError([issue]) from None
    src = read_yaml(str(p), raw)
    if src.issues:
        raise RulesFileError(src.issues)
    r = Reader(src)
    top = r.mapping((), src.data, ("ruleset", "version", "cases"))
    cases: list[GoldenCase] = []
    rid: str | None = None
    if top is not None:
        rid = r.text(("ruleset",), top.get("ruleset"))
        version = top.get("version")
        if not isinstance(version, str):
            r.err(("version",), 'version phải là chuỗi, ví dụ "1"', "type")
        items = top.get("cases")
        if not isinstance(items, list) or not items:
            r.err(("cases",), "cases phải là một danh sách không rỗng", "type")
            items = []
        seen: set[str] = set()
        for i, item in enumerate(items):
            cp: tuple[str | int, ...] = ("cases", i)
            d = r.mapping(cp, item, ("id", "facts", "expect"), ("description",))
            if d is None:
                continue
            cid = r.ident((*cp, "id"), d.get("id"), _CASE_ID, "chữ, số, '-', '_', '.'")
            if cid is not None and cid in seen:
                r.err((*cp, "id"), f"mã ca kiểm thử '{cid}' bị trùng", "duplicate")
            if cid is not None:
                seen.add(cid)
            desc = r.text((*cp, "description"), d.get("description"), required=False)
            facts = d.get("facts")
            if not isinstance(facts, dict):
                r.err((*cp, "facts"), "facts phải là một ánh xạ", "type")
            else:
                try:
                    parse_facts(facts)
                except FactsError as exc:
                    for e in exc.errors:
                        r.err(
                            (*cp, "facts"),
                            f"facts không hợp lệ: {e['loc'] or '<facts>'}: {e['msg']}",
                            "facts",
                        )
            exp = r.mapping(
                (*cp, "expect"),
                d.get("expect"),
                ("status",),
                ("titles", "proposals", "withheld", "fired"),
            )
            if exp is None:
                continue
            status = exp.get("status")
            if status not in _STATUSES:
                r.err(
                    (*cp, "expect", "status"),
                    "status phải là eligible, not_eligible hoặc on_hold",
                    "type",
                )
            titles = _codes(r, (*cp, "expect", "titles"), exp.get("titles"))
            proposals = _codes(r, (*cp, "expect", "proposals"), exp.get("proposals"))
            withheld = _codes(r, (*cp, "expect", "withheld"), exp.get("withheld"))
            fired = _codes(r, (*cp, "expect", "fired"), exp.get("fired"))
            if cid and isinstance(facts, dict) and isinstance(status, str):
                cases.append(
                    GoldenCase(cid, facts, status, titles, proposals, withheld, fired, desc)
                )
    if src.issues or top is None or rid is None:
        raise RulesFileError(src.issues)
    return GoldenFile(p, rid, str(top["version"]), tuple(cases))


def check_case(engine: RulesEngine, lr: LoadedRuleset, case: GoldenCase) -> GoldenResult:
    """Evaluate one golden case and list every difference from what it expects."""
    try:
        decision = engine.evaluate_many([case.facts], ruleset=lr)[0]
    except FactsError as exc:
        return GoldenResult(case, None, [f"facts không hợp lệ: {exc}"])
    problems: list[str] = []
    if decision.status.value != case.status:
        problems.append(f"status: mong đợi {case.status}, thực tế {decision.status.value}")
    for name, want, got in (
        ("titles", case.titles, decision.titles),
        ("proposals", case.proposals, decision.proposals),
        ("withheld", case.withheld, decision.withheld),
    ):
        if want is not None and list(want) != list(got):
            problems.append(f"{name}: mong đợi {list(want)}, thực tế {list(got)}")
    if case.fired is not None and sorted(case.fired) != sorted(decision.fired):
        problems.append(f"fired: mong đợi {sorted(case.fired)}, thực tế {sorted(decision.fired)}")
    return GoldenResult(case, decision, problems)


def run_golden(engine: RulesEngine, lr: LoadedRuleset, golden: GoldenFile) -> list[GoldenResult]:
    if (golden.ruleset_id, golden.version) != (lr.id, lr.version):
        raise RulesFileError(
            [
                Issue(
                    str(golden.path),
                    1,
                    1,
                    f"tệp ca kiểm thử dành cho {golden.ruleset_id}@{golden.version}, "
                    f"không phải {lr.id}@{lr.version}",
                    "mismatch",
                )
            ]
        )
    return [check_case(engine, lr, c) for c in golden.cases]
