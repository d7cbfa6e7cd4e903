"""Document the RFC 9457 error answers of every operation in the OpenAPI document.

Every error the API gives is ``application/problem+json`` (see :mod:`thidua.entrypoints.api.problems`), but
FastAPI only documents its own 422 ``HTTPValidationError`` as ``application/json``. This replaces
that with a ``Problem`` schema and adds the other error statuses any operation can answer with
(authentication, permission, missing resource, conflict, size and rate limits, unavailability),
so that generated clients and schema-conformance tests see what the server really sends.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

PROBLEM_MEDIA_TYPE = "application/problem+json"

#: Status → description of the error answers every operation documents.
ERROR_RESPONSES: dict[int, str] = {
    400: "Yêu cầu không hợp lệ (Bad Request)",
    401: "Chưa xác thực: thiếu hoặc sai token (Unauthorized)",
    403: "Không có quyền (Forbidden)",
    404: "Không tìm thấy (Not Found)",
    409: "Xung đột trạng thái: sai bước, không đủ điều kiện, trùng lặp (Conflict)",
    413: "Nội dung quá lớn (Content Too Large)",
    422: "Dữ liệu không hợp lệ, kèm đường dẫn trường trong errors (Unprocessable Content)",
    429: "Quá nhiều yêu cầu; xem Retry-After (Too Many Requests)",
    503: "Tạm thời không phục vụ được, ví dụ Temporal không sẵn sàng (Service Unavailable)",
}

PROBLEM_FIELD_ERROR_SCHEMA: dict[str, Any] = {
    "title": "ProblemFieldError",
    "type": "object",
    "properties": {
        "field": {"type": "string", "title": "Field", "description": "Đường dẫn trường"},
        "message": {"type": "string", "title": "Message"},
    },
    "required": ["field", "message"],
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details.",
    "type": "object",
    "properties": {
        "type": {"type": "string", "title": "Type", "default": "about:blank"},
        "title": {"type": "string", "title": "Title"},
        "status": {"type": "integer", "title": "Status", "minimum": 100, "maximum": 599},
        "detail": {"type": "string", "title": "Detail"},
        "code": {"type": "string", "title": "Code", "description": "Mã lỗi ổn định"},
        "errors": {
            "type": "array",
            "title": "Errors",
            "items": {"$ref": "#/components/schemas/ProblemFieldError"},
        },
    },
    "required": ["type", "title", "status", "detail"],
}

_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def apply_problem_responses(document: dict[str, Any]) -> dict[str, Any]:
    """Add the problem responses to every operation of ``document`` (in place; returned too)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["ProblemFieldError"] = PROBLEM_FIELD_ERROR_SCHEMA
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                # Replaces FastAPI's own 422 (HTTPValidationError, application/json).
                responses[str(status)] = problem_response(description)
    text = repr(document.get("paths", {}))
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        others = repr({k: v for k, v in schemas.items() if k not in _FASTAPI_VALIDATION_SCHEMAS})
        ref = f"#/components/schemas/{name}"
        if ref not in text and ref not in others:
            schemas.pop(name, None)
    return document


def add_problem_responses(app: FastAPI) -> None:
    """Wrap ``app.openapi`` so the generated document carries the problem responses."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = apply_problem_responses(original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
