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
    """A step refused for a domain reason (never a bug)."""

    def __init__(self, code: RefusalCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
