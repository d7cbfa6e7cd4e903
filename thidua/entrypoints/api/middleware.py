"""Pure ASGI middleware for every request: request id, body size limit, authentication of API
writes, idempotency, last resort.

Written against ASGI directly rather than with ``@app.middleware("http")``
(``BaseHTTPMiddleware``): that wrapper runs every request's response through an extra task and a
memory stream, which measured about 0.4 ms of CPU per request per layer here; on a 2-core
machine under 100 reads/s that overhead queues requests behind each other. Only a POST that
carries an ``Idempotency-Key`` goes through the buffering path (its answer must be stored).

The body limit counts the bytes actually received (``receive`` is wrapped), so a chunked body,
which has no ``Content-Length``, is cut off at the limit too (413 as soon as the count passes it).
A request without credentials gets a small limit; an API write (``/v1``, POST/PUT/PATCH/DELETE)
that carries a bearer token is authenticated here, before a byte of its body is read, and the
route reuses that actor.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from fastapi.security import HTTPAuthorizationCredentials
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from thidua.adapters.db.idempotency import SqlIdempotencyStore
from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.config import ApiSettings
from thidua.domain.roles import Actor
from thidua.entrypoints.api.idempotency import ACTOR_STATE, idempotent
from thidua.entrypoints.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from thidua.entrypoints.api.problems import http_handler, problem
from thidua.entrypoints.api.security import MISSING, bearer_scheme
from thidua.entrypoints.client_address import client_address
from thidua.entrypoints.web.kit import COOKIE as CONSOLE_COOKIE
from thidua.entrypoints.web.kit import PREFIX as CONSOLE_PREFIX
from thidua.entrypoints.web.kit import render
from thidua.logging import get_logger

log = get_logger(__name__)

MAX_REQUEST_ID = 64
Authenticate = Callable[[Request, HTTPAuthorizationCredentials | None], Awaitable[Actor]]
LOGIN_BODY_BYTES = 16 * 1024  # the console's sign-in form: a username, a password, two tokens
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UPLOAD_PATHS = frozenset({f"{CONSOLE_PREFIX}/ratings"})  # console screens taking a file


class BodyTooLarge(StarletteHTTPException):
    """The body received so far is over the request's limit (raised from ``receive``)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Nội dung vượt quá {limit} byte.")
        self.limit = limit


def counting_receive(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises :class:`BodyTooLarge` once more than ``limit`` bytes arrived."""
    received = 0

    async def limited() -> Message:
        nonlocal received
        if received > limit:
            raise BodyTooLarge(limit)
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
        return message

    return limited


def too_large(request: Request, limit: int) -> Response:
    """The 413 answer: a page in Vietnamese on the console, a problem on the API."""
    path = request.url.path
    if path == CONSOLE_PREFIX or path.startswith(CONSOLE_PREFIX + "/"):
        megabytes = f"{limit / 1_000_000:.1f}".replace(".", ",")
        message = (
            f"Nội dung gửi lên quá lớn (tối đa {limit} byte, khoảng {megabytes} MB); "
            "hãy chọn tệp nhỏ hơn hoặc chia nhỏ dữ liệu rồi gửi lại."
        )
        return render(request, "error.html", None, status=413, message=message)
    return problem(
        413,
        "too_large",
        f"Nội dung vượt quá {limit} byte.",
        "https://thidua.example/problems/too_large",
        code="too_large",
    )


async def body_too_large_handler(request: Request, exc: Exception) -> Response:
    """Exception handler: a :class:`BodyTooLarge` raised inside a route (reading a form or a
    JSON body) becomes the same 413 as the middleware's."""
    assert isinstance(exc, BodyTooLarge)
    return too_large(request, exc.limit)


class RequestContextMiddleware:
    """Bind a request id to the logs and the response, refuse oversized bodies (413, counted as
    they arrive), authenticate API writes before their body is read, replay or remember keyed
    POSTs, and turn an unhandled error into a 500 problem naming the request id."""

    def __init__(
        self,
        app: ASGIApp,
        uow: SqlUnitOfWork,
        max_body_bytes: int,
        max_batch_body_bytes: int,
        limits: ApiSettings | None = None,
        authenticator: Authenticate | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_batch_body_bytes = max_batch_body_bytes
        limits = limits or ApiSettings(
            max_body_bytes=max_body_bytes, max_batch_body_bytes=max_batch_body_bytes
        )
        self.max_upload_body_bytes = limits.max_upload_body_bytes
        self.max_anonymous_body_bytes = limits.max_anonymous_body_bytes
        self.authenticator = authenticator

        store = SqlIdempotencyStore(uow, ttl_hours=limits.idempotency_ttl_hours)

        async def _dispatch(request: Request, call_next: Any) -> Any:
            return await idempotent(request, call_next, store)

        # Keyed POSTs only: the answer has to be buffered to be stored.
        self._keyed = BaseHTTPMiddleware(app, dispatch=_dispatch)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = (headers.get("x-request-id") or uuid.uuid4().hex)[:MAX_REQUEST_ID]
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=request_id, client_ip=client_address(scope)
        )
        path: str = scope["path"]
        status = 500
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        limit = self._limit(path, headers)
        length = headers.get("content-length")
        if length and length.isdigit() and int(length) > limit:
            await too_large(Request(scope), limit)(scope, receive, send_with_id)
            self._log(scope, status)
            return

        keyed = scope["method"] == "POST" and IDEMPOTENCY_HEADER in headers
        if self._api_write(scope) and not await self._authenticate(
            scope, headers, keyed, send_with_id
        ):
            self._log(scope, status)
            return
        app = self._keyed if keyed and ACTOR_STATE in scope.get("state", {}) else self.app
        try:
            await app(scope, counting_receive(receive, limit), send_with_id)
        except BodyTooLarge as exc:  # raised where no handler turned it into the answer
            if started:
                raise
            await too_large(Request(scope), exc.limit)(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error", path=path)
            if started:
                raise  # the answer is half sent: the server closes the connection
            failed = problem(500, "internal_error", "Lỗi hệ thống; mã yêu cầu " + request_id)
            await failed(scope, receive, send_with_id)
        self._log(scope, status)

    def _limit(self, path: str, headers: Headers) -> int:
        """The most this request's body may hold: per route, smaller without credentials."""
        if path.endswith(":batch"):
            limit = self.max_batch_body_bytes
        elif path.endswith(":import") or path in UPLOAD_PATHS:
            limit = self.max_upload_body_bytes
        elif path == f"{CONSOLE_PREFIX}/login":
            limit = LOGIN_BODY_BYTES
        else:
            limit = self.max_body_bytes
        credentials = "authorization" in headers or CONSOLE_COOKIE in headers.get("cookie", "")
        return limit if credentials else min(limit, self.max_anonymous_body_bytes)

    def _api_write(self, scope: Scope) -> bool:
        return (
            self.authenticator is not None
            and scope["method"] in WRITE_METHODS
            and str(scope["path"]).startswith("/v1/")
        )

    async def _authenticate(self, scope: Scope, headers: Headers, keyed: bool, send: Send) -> bool:
        """Authenticate an API write before its body is read (False: the refusal was sent).

        Without an ``Authorization`` header an unkeyed write goes on (its body under the small
        anonymous limit; the route answers 401); a keyed one is refused at once (401).
        """
        assert self.authenticator is not None
        request = Request(scope)
        if "authorization" not in headers and not keyed:
            return True
        credentials = await bearer_scheme(request)
        try:
            if credentials is None:
                raise StarletteHTTPException(401, MISSING, headers={"WWW-Authenticate": "Bearer"})
            actor = await self.authenticator(request, credentials)
        except StarletteHTTPException as exc:
            await (await http_handler(request, exc))(scope, _no_body, send)
            return False
        scope.setdefault("state", {})[ACTOR_STATE] = actor
        return True

    @staticmethod
    def _log(scope: Scope, status: int) -> None:
        log.info("request", method=scope["method"], path=scope["path"], status=status)


async def _no_body() -> Message:
    """``receive`` for an answer sent without reading the request (never consulted)."""
    return {"type": "http.request", "body": b"", "more_body": False}
