"""Typed errors of the rules package: a malformed rules file, bad facts, an engine disagreement.

Locations inside a document are written the same way everywhere (`format_path`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict


def format_path(path: tuple[str | int, ...]) -> str:
    """`("rules", 3, "when")` -> `rules[3].when`."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + p
    return out


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a rules (or golden) file, located by 1-based line and column."""

    file: str
    line: int
    column: int
    message: str
    code: str = "invalid"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class RulesFileError(Exception):
    """A rules file (or a set of them) is malformed; `issues` lists every problem found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues) or "rules file error")


class FactsErrorItem(TypedDict):
    loc: str
    msg: str


class FactsError(ValueError):
    """The facts about a nominee are invalid (unknown field, wrong type, inconsistent counts)."""

    def __init__(self, errors: list[FactsErrorItem]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{e['loc'] or '<facts>'}: {e['msg']}" for e in self.errors))


class EngineDisagreement(RuntimeError):
    """durable_rules fired a different set of rules than our own evaluation: a bug, never data."""
