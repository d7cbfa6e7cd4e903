"""RFC 9457 problem details for every error answer, with the field path where there is one."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from thidua.domain.refusals import Refusal, RefusalCode, field_path
from thidua.entrypoints.http import status_of
from thidua.entrypoints.security_audit import security_audit_of


def problem(
    status: int, title: str, detail: str, type_: str = "about:blank", **extra: Any
) -> JSONResponse:
    body = {"type": type_, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _problem_type(code: str) -> str:
    return f"https://thidua.example/problems/{code}"


async def refusal_handler(request: Request, exc: Exception) -> JSONResponse:
    """A refusal as a problem: its status from the one mapping, its field (if it names one) in
    ``errors`` like a validation error's. A 403 is audited (``security.forbidden``)."""
    assert isinstance(exc, Refusal)
    if exc.code is RefusalCode.FORBIDDEN:
        audit = security_audit_of(request)
        if audit is not None:
            await audit.forbidden(request, getattr(request.state, "actor", None), exc.message)
    extra: dict[str, Any] = {"code": exc.problem}
    errors = exc.field_errors()
    if errors:
        extra["errors"] = [e.as_dict() for e in errors]
    return problem(
        status_of(exc.code), exc.problem, exc.message, _problem_type(exc.problem), **extra
    )


async def validation_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        errors.append({"field": field_path(err.get("loc", ())), "message": err.get("msg", "")})
    first = errors[0] if errors else {"field": "", "message": "invalid"}
    detail = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    if len(errors) > 1:
        detail += f" (và {len(errors) - 1} lỗi khác)"
    return problem(
        422,
        "invalid_request",
        detail,
        _problem_type("invalid_request"),
        code="invalid_request",
        errors=errors,
    )


async def http_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
        429: "too_many_requests",
    }.get(exc.status_code, "http_error")
    response = problem(exc.status_code, code, str(exc.detail), _problem_type(code), code=code)
    if exc.headers:
        response.headers.update(exc.headers)
    return response
