"""Refusals: a step refused for a domain reason (never a bug), with a stable code.

One hierarchy for every refusal a user can meet, whatever the entry point: the code decides what
it means (each entry point maps it once: an HTTP status, a CLI exit code), ``problem`` names it
more finely where clients tell such refusals apart (``rules_second_admin_required``), ``field``
names the input at fault and ``errors`` lists several faults (a rules file's lines).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class RefusalCode(StrEnum):
    FORBIDDEN = "forbidden"
    WRONG_STAGE = "wrong_stage"
    NOT_FOUND = "not_found"
    NOT_ELIGIBLE = "not_eligible"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    INVALID = "invalid"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class FieldError:
    """One fault of an input: where (a field path; a line and column in a file) and what."""

    field: str
    message: str
    line: int | None = None
    column: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.line is not None:
            out["line"] = self.line
        if self.column is not None:
            out["column"] = self.column
        return out


class Refusal(Exception):
    """A step refused for a domain reason (never a bug).

    ``field`` names the input at fault, as the use case knows it (``unit``, ``facts.year``):
    each entry point shows it its own way (an API problem's field path, a CLI option, a form
    field). ``message`` is the Vietnamese explanation; ``problem`` a stable name finer than the
    code (default: the code); ``errors`` every fault when there are several.
    """

    def __init__(
        self,
        code: RefusalCode,
        message: str,
        *,
        field: str | None = None,
        problem: str | None = None,
        errors: Iterable[FieldError] = (),
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.problem = problem or code.value
        self.errors = tuple(errors)

    def field_errors(self) -> list[FieldError]:
        """The faults to show: ``errors``, else the one ``field`` (none if it names no field)."""
        if self.errors:
            return list(self.errors)
        return [FieldError(self.field, self.message)] if self.field is not None else []


_TAGS = frozenset({"individual", "collective"})


def field_path(loc: Sequence[Any]) -> str:
    """A validation error's location as a field path, the way every entry point names fields:
    ``("body", "facts", "individual", "initiatives", 0, "year")`` → ``facts.initiatives[0].year``
    (the request part and pydantic's union tags left out)."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    out = ""
    for i, part in enumerate(parts):
        if isinstance(part, int):
            out += f"[{part}]"
        elif (
            (part in _TAGS and i > 0 and parts[i - 1] in ("facts",))
            or "[" in str(part)
            or str(part).startswith("function-")
        ):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out
