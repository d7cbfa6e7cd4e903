"""The HTTP API in process: ``serve_app`` runs an app with its lifespan; ``Api`` calls it as a sample user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from tests.support.db import SeededDb


@asynccontextmanager
async def serve_app(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on ``app`` (in process, no socket), its lifespan run around the block."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


class Api:
    """A thin client that sends each call as one of the sample users."""

    def __init__(self, http: httpx.AsyncClient, db: SeededDb) -> None:
        self.http = http
        self.db = db

    async def call(
        self, user: str | None, method: str, path: str, json: Any = None, **kw: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.db.token(user)}"} if user else {}
        headers.update(kw.pop("headers", {}))
        return await self.http.request(method, path, json=json, headers=headers, **kw)
