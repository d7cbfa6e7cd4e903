"""The demo's HTTP client: one token per sample account, problem details turned into DemoError."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx

from thidua.entrypoints.demo.scenario import WORKERS

T = TypeVar("T")
R = TypeVar("R")


class DemoError(Exception):
    """An API call was refused or failed: the message is what to print (no traceback)."""


class Api:
    """A thin client: one token per sample account, problem details turned into DemoError."""

    def __init__(self, base_url: str, tokens: dict[str, str]) -> None:
        base = base_url.rstrip("/")
        if base.endswith("/v1"):
            base = base[: -len("/v1")]
        self.base = base
        self.tokens = tokens
        self.http = httpx.Client(
            base_url=base,
            timeout=httpx.Timeout(300.0, connect=10.0),
            limits=httpx.Limits(max_connections=WORKERS * 2, max_keepalive_connections=WORKERS),
        )

    def close(self) -> None:
        self.http.close()

    def request(self, user: str, method: str, path: str, body: Any = None, **params: Any) -> Any:
        token = self.tokens.get(user)
        if token is None:
            raise DemoError(f"Không có tài khoản mẫu «{user}» trong tệp tài khoản.")
        try:
            r = self.http.request(
                method,
                path,
                json=body,
                params={k: v for k, v in params.items() if v is not None} or None,
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as exc:
            raise DemoError(
                f"Không kết nối được API {self.base} ({type(exc).__name__}: {exc}). "
                "Hãy chạy `thidua up` (make run) trước."
            ) from None
        if r.status_code >= 400:
            try:
                problem = r.json()
                detail = problem.get("detail") or problem.get("title") or r.text
            except ValueError:
                detail = r.text[:500]
            raise DemoError(f"{method} {path} ({user}) → HTTP {r.status_code}: {detail}")
        if "json" in r.headers.get("content-type", ""):
            return r.json()
        return r.content

    def get(self, user: str, path: str, **params: Any) -> Any:
        return self.request(user, "GET", path, **params)

    def post(self, user: str, path: str, body: Any) -> Any:
        return self.request(user, "POST", path, body)

    def download(self, user: str, path: str, fmt: str) -> bytes:
        data = self.request(user, "GET", path, format=fmt)
        return data if isinstance(data, bytes) else json.dumps(data).encode()


def parallel(pool: ThreadPoolExecutor, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """Map over a thread pool; the first DemoError is raised once every call has finished."""
    futures = [pool.submit(fn, item) for item in items]
    results: list[R] = []
    error: BaseException | None = None
    for fut in futures:
        try:
            results.append(fut.result())
        except BaseException as exc:  # re-raised below
            error = error or exc
    if error is not None:
        raise error
    return results
