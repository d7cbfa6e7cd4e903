"""The console's forms and uploads under the body limit: a page in Vietnamese, never a 500."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.integration.test_console_signin import PASSWORD, sign_in
from tests.support.db import SeededDb
from tests.support.settings import fast_settings
from thidua.app.accounts import console as console_auth
from thidua.entrypoints.api.app import create_app

MB = 1024 * 1024
BOUNDARY = "ranh-gioi-42"


@pytest.fixture
async def http(seeded_sqlite: SeededDb) -> AsyncIterator[httpx.AsyncClient]:
    """The console in process, signed in as the Office (who imports ratings)."""
    with seeded_sqlite.uow() as tx:
        console_auth.set_password(tx, "vanphong", PASSWORD)
    app = create_app(fast_settings(seeded_sqlite.url, "console-body"), seeded_sqlite.uow)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await sign_in(client, "vanphong", PASSWORD)).status_code == 303
        yield client


async def _csrf(http: httpx.AsyncClient, page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', (await http.get(page)).text)
    assert found is not None
    return found.group(1)


def _upload(csrf: str, size: int) -> Iterator[bytes]:
    """A ratings upload (multipart) with a file of ``size`` bytes, as chunks (no length)."""
    yield (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="xep-loai.xlsx"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    for _ in range(size // MB):
        yield b"x" * MB
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def _aiter(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    async def gen() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    return gen()


MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


class TestUploads:
    async def test_a_ratings_file_over_its_limit_is_a_413_page(
        self, http: httpx.AsyncClient
    ) -> None:
        """A chunked 12 MB ratings upload: 413, a page in Vietnamese naming the limit."""
        csrf = await _csrf(http, "/console/ratings")
        r = await http.post(
            "/console/ratings", content=_aiter(_upload(csrf, 12 * MB)), headers=MULTIPART
        )
        assert r.status_code == 413
        assert r.headers["content-type"].startswith("text/html")
        assert "Nội dung gửi lên quá lớn" in r.text and "10600000 byte" in r.text

    async def test_a_ratings_file_within_its_limit_is_read(self, http: httpx.AsyncClient) -> None:
        """A 9 MB upload is within the screen's limit: read and refused as not a table (422)."""
        csrf = await _csrf(http, "/console/ratings")
        r = await http.post(
            "/console/ratings", content=_aiter(_upload(csrf, 9 * MB)), headers=MULTIPART
        )
        assert r.status_code == 422, r.text[:300]

    async def test_a_ratings_file_announced_over_its_limit_is_refused_up_front(
        self, http: httpx.AsyncClient
    ) -> None:
        """With a Content-Length over the limit: 413 page before the body is read."""
        csrf = await _csrf(http, "/console/ratings")
        r = await http.post(
            "/console/ratings", content=b"".join(_upload(csrf, 11 * MB)), headers=MULTIPART
        )
        assert r.status_code == 413 and "Nội dung gửi lên quá lớn" in r.text


class TestForms:
    async def test_an_oversized_form_on_another_screen_is_a_413_page(
        self, http: httpx.AsyncClient
    ) -> None:
        """A 2 MB chunked form posted to a round screen: 413 page (limit 1 MB), not a 500."""
        csrf = await _csrf(http, "/console/ratings")

        async def form() -> AsyncIterator[bytes]:
            yield f"csrf_token={csrf}&reason=".encode()
            for _ in range(2):
                yield b"x" * MB

        r = await http.post(
            "/console/rounds",
            content=form(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert r.status_code == 413
        assert "Nội dung gửi lên quá lớn" in r.text

    async def test_the_login_form_has_a_small_limit(self, http: httpx.AsyncClient) -> None:
        """A 100 KB sign-in form: 413 page (sign-in takes 16 KiB at most)."""
        r = await http.post(
            "/console/login",
            data={"username": "vanphong", "password": "x" * 100_000, "csrf_token": "t"},
        )
        assert r.status_code == 413
        assert "Nội dung gửi lên quá lớn" in r.text
