"""What a refusal means in HTTP, for the API and the console alike (one mapping)."""

from __future__ import annotations

from thidua.domain.refusals import RefusalCode

STATUS_OF: dict[RefusalCode, int] = {
    RefusalCode.NOT_FOUND: 404,
    RefusalCode.FORBIDDEN: 403,
    RefusalCode.WRONG_STAGE: 409,
    RefusalCode.NOT_ELIGIBLE: 409,
    RefusalCode.DUPLICATE: 409,
    RefusalCode.CONFLICT: 409,
    RefusalCode.INVALID: 422,
    RefusalCode.UNAVAILABLE: 503,
}


def status_of(code: RefusalCode) -> int:
    """The HTTP status of a refusal (a code added without a status answers 409 Conflict)."""
    return STATUS_OF.get(code, 409)
