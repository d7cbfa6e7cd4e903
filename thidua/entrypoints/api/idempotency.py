"""``Idempotency-Key`` for every POST: a retry with the same key and body gets the first answer.

The same key with another body is refused (409). A stored answer is replayed only after the
request was authenticated (by the middleware, before its body was read: a revoked token or a
deactivated account gets 401) and only to the account that made the first request; another
account sending a key in use is refused (409). Keys expire after ``api.idempotency_ttl_hours``:
an expired key is a new key (its old answer is deleted then, and expired ones lazily). Server
errors (5xx) and authentication or rate refusals are not remembered, so the client may retry
them with the same key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from thidua.adapters.db.idempotency import RememberedAnswer, SqlIdempotencyStore
from thidua.domain.roles import Actor
from thidua.entrypoints.api.problems import problem

HEADER = "idempotency-key"
MAX_KEY_LENGTH = 200
NOT_REMEMBERED = frozenset({401, 403, 429})
#: Where the middleware leaves the actor it authenticated (``request.state``).
ACTOR_STATE = "authenticated_actor"


def _account(request: Request) -> str | None:
    """The hash of the authenticated account's username (the principal a key belongs to)."""
    actor = request.scope.get("state", {}).get(ACTOR_STATE)
    if not isinstance(actor, Actor):
        return None
    return hashlib.sha256(b"account:" + actor.username.encode("utf-8")).hexdigest()


def _principal(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if not auth:
        return None
    return hashlib.sha256(auth.encode("utf-8")).hexdigest()


def update_id_for(request: Request) -> str | None:
    """The workflow update id for a POST carrying an Idempotency-Key (scoped like the key).

    The middleware replays answers it has remembered; this covers the gap where the update ran
    but its answer was lost (the API died, the connection dropped): the retry reaches the
    workflow with the same update id and gets the first outcome instead of a second step.
    """
    key = request.headers.get(HEADER)
    principal = _principal(request)
    if not key or principal is None or len(key) > MAX_KEY_LENGTH:
        return None
    return f"idem:{principal[:32]}:{key}"


async def idempotent(
    request: Request,
    call_next: Callable[[Request], Awaitable[Response]],
    store: SqlIdempotencyStore,
) -> Response:
    """Middleware body: replay, refuse a reused key, or run and remember the answer."""
    key = request.headers.get(HEADER)
    principal = _account(request)
    if request.method != "POST" or key is None or principal is None:
        return await call_next(request)
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        return problem(
            422,
            "invalid_request",
            f"Idempotency-Key: phải có từ 1 đến {MAX_KEY_LENGTH} ký tự.",
            errors=[{"field": "Idempotency-Key", "message": "invalid length"}],
        )
    body = await request.body()
    digest = hashlib.sha256(request.url.path.encode() + b"\n" + body).hexdigest()
    found, elsewhere = await store.find(principal, key)
    if found is None and elsewhere:
        return problem(
            409,
            "idempotency_key_reused",
            "Idempotency-Key đang được một tài khoản khác dùng; hãy gửi một khóa mới.",
            "https://thidua.example/problems/idempotency_key_reused",
            code="idempotency_key_reused",
            errors=[{"field": "Idempotency-Key", "message": "in use by another account"}],
        )
    if found is not None:
        if found.body_sha256 != digest:
            return problem(
                409,
                "idempotency_key_reused",
                "Idempotency-Key đã được dùng cho một yêu cầu khác (khác đường dẫn hoặc nội dung).",
                code="idempotency_key_reused",
            )
        return Response(
            content=found.response_body,
            status_code=found.status_code,
            media_type=found.content_type,
            headers={"Idempotent-Replayed": "true"},
        )
    response = await call_next(request)
    chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
    content = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
    if response.status_code < 500 and response.status_code not in NOT_REMEMBERED:
        await store.remember(
            principal,
            key,
            request.method,
            request.url.path,
            RememberedAnswer(
                body_sha256=digest,
                status_code=response.status_code,
                content_type=response.headers.get("content-type", "application/json"),
                response_body=content.decode("utf-8", errors="replace"),
            ),
        )
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return Response(content=content, status_code=response.status_code, headers=headers)
