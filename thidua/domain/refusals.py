"""Refusals: a step refused for a domain reason (never a bug), with a stable code."""

from __future__ import annotations

from enum import StrEnum


class RefusalCode(StrEnum):
    FORBIDDEN = "forbidden"
    WRONG_STAGE = "wrong_stage"
    NOT_FOUND = "not_found"
    NOT_ELIGIBLE = "not_eligible"
    DUPLICATE = "duplicate"
    INVALID = "invalid"
    UNAVAILABLE = "unavailable"


class Refusal(Exception):
    """A step refused for a domain reason (never a bug).

    ``field`` names the input at fault, as the use case knows it (``unit``, ``facts.year``):
    each entry point shows it its own way (an API problem's field path, a CLI option, a form
    field). ``message`` is the Vietnamese explanation.
    """

    def __init__(self, code: RefusalCode, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
