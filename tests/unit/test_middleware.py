"""The pure ASGI middleware: request ids, the body limit, the last-resort 500, console headers.

A small Starlette app stands behind the real middleware classes; the idempotency path (which
needs the database) is covered end to end in ``tests/e2e/test_api.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from thidua.entrypoints.api.middleware import (
    BodyTooLarge,
    RequestContextMiddleware,
    body_too_large_handler,
)
from thidua.entrypoints.web.kit import CSP, ConsoleHeadersMiddleware


async def _ok(_: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def _boom(_: Request) -> PlainTextResponse:
    raise RuntimeError("secret internals")


async def _echo(request: Request) -> JSONResponse:
    return JSONResponse({"bytes": len(await request.body())})


def _app() -> Starlette:
    app = Starlette(
        routes=[
            Route("/ok", _ok),
            Route("/boom", _boom),
            Route("/console/page", _ok),
            Route("/console/static/x.css", _ok),
            Route("/echo", _echo, methods=["POST"]),
            Route("/things:batch", _echo, methods=["POST"]),
        ],
        exception_handlers={BodyTooLarge: body_too_large_handler},  # as create_app does
    )
    app.add_middleware(
        RequestContextMiddleware, uow=None, max_body_bytes=100, max_batch_body_bytes=1000
    )
    app.add_middleware(ConsoleHeadersMiddleware)
    return app


@pytest.fixture
async def client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_request_id_is_generated_or_echoed(client: httpx.AsyncClient) -> None:
    generated = (await client.get("/ok")).headers["X-Request-ID"]
    assert len(generated) == 32 and generated != (await client.get("/ok")).headers["X-Request-ID"]
    r = await client.get("/ok", headers={"X-Request-ID": "pipeline-42" + "x" * 100})
    assert r.headers["X-Request-ID"] == ("pipeline-42" + "x" * 100)[:64]


async def test_body_over_the_limit_is_a_413_problem(client: httpx.AsyncClient) -> None:
    assert (await client.post("/echo", content=b"x" * 100)).json() == {"bytes": 100}
    r = await client.post("/echo", content=b"x" * 101, headers={"X-Request-ID": "r1"})
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["X-Request-ID"] == "r1"
    assert r.json()["title"] == "too_large" and "100 byte" in r.json()["detail"]
    # Batch routes have their own, larger limit.
    assert (await client.post("/things:batch", content=b"x" * 1000)).status_code == 200
    assert (await client.post("/things:batch", content=b"x" * 1001)).status_code == 413


async def test_unhandled_error_is_a_500_problem_without_internals(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/boom", headers={"X-Request-ID": "req-7"})
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["title"] == "internal_error"
    assert "req-7" in r.json()["detail"]
    assert "secret internals" not in r.text and "Traceback" not in r.text


async def test_console_pages_get_security_headers_and_api_routes_do_not(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/console/page")
    assert page.headers["Content-Security-Policy"] == CSP
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Server-Timing"].startswith("app;dur=")
    assert (await client.get("/console/static/x.css")).headers["Cache-Control"] == "max-age=3600"
    api = await client.get("/ok")
    assert "Content-Security-Policy" not in api.headers and "Server-Timing" not in api.headers


async def test_chunked_body_over_the_limit_is_a_413_problem(client: httpx.AsyncClient) -> None:
    """A body without Content-Length is counted as it arrives: over the limit, 413."""

    async def chunks(n: int) -> AsyncIterator[bytes]:
        for _ in range(n):
            yield b"x" * 10

    assert (await client.post("/echo", content=chunks(10))).json() == {"bytes": 100}
    r = await client.post("/echo", content=chunks(11))
    assert r.status_code == 413
    assert r.json()["code"] == "too_large"
    assert (await client.post("/things:batch", content=chunks(100))).status_code == 200
    assert (await client.post("/things:batch", content=chunks(101))).status_code == 413
