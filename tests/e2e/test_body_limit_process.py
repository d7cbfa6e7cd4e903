"""Bodies over the limit against the real API process (uvicorn, loopback): a chunked body has no
``Content-Length``, so only counting the bytes received stops it; the process's peak memory and
the bytes it writes (a multipart upload spooled to disk) show how much of it was taken in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.db import SeededDb
from tests.support.stack import Stack, stack_for

MB = 1024 * 1024
BODY = 20 * MB
CHUNK = 64 * 1024
# Far below the 20 MB sent: what the server may take in (a 64 KiB limit, buffers, the answer).
MAX_GROWTH = 8 * MB


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def _written(pid: int) -> int:
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise AssertionError("no wchar")


def _reset_peak(pid: int) -> int:
    """Reset the process's peak RSS (VmHWM) to its current RSS and return it."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return _status_kb(pid, "VmHWM")


def _chunks(head: bytes = b"", tail: bytes = b"") -> Iterator[bytes]:
    """``head``, 20 MB of filler, ``tail``: a generator, so httpx sends it chunked."""
    yield head
    block = b"x" * CHUNK
    for _ in range(BODY // CHUNK):
        yield block
    yield tail


@pytest.fixture
def api_process(seeded_sqlite: SeededDb, tmp_path: Path) -> Iterator[Stack]:
    """The embedded Temporal server and ``thidua api`` as real processes on 127.0.0.1."""
    with stack_for(tmp_path, seeded_sqlite.url) as stack:
        stack.start_temporal()
        stack.start_api()
        yield stack


class TestChunkedBodies:
    def test_api_refuses_a_chunked_body_without_credentials_in_bounded_memory(
        self, api_process: Stack
    ) -> None:
        """20 MB chunked to POST /v1/nominations, no credentials: 413 problem, peak RSS +<8 MB."""
        pid = api_process.api.pid
        with httpx.Client(base_url=api_process.base_url, timeout=120) as http:
            warm = http.post("/v1/nominations", json={})  # the code paths loaded once
            assert warm.status_code == 401
            before = _reset_peak(pid)
            r = http.post(
                "/v1/nominations",
                content=_chunks(),
                headers={"Content-Type": "application/json"},
            )
        grew = _status_kb(pid, "VmHWM") - before
        assert r.status_code == 413, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "too_large"
        assert grew < MAX_GROWTH, f"the API's peak RSS grew by {grew / MB:.1f} MB"
        api_process.api.assert_alive()

    def test_console_login_refuses_a_chunked_upload_without_spooling_it(
        self, api_process: Stack
    ) -> None:
        """20 MB multipart (a file part) chunked to /console/login: a 413 page in Vietnamese;
        the process neither spooled it to disk (bytes written) nor held it (peak RSS)."""
        pid = api_process.api.pid
        boundary = "ranh-gioi-0123456789"
        head = (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="username"\r\n\r\ncanbo.ldvl\r\n'
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="bang.xlsx"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        with httpx.Client(base_url=api_process.base_url, timeout=120) as http:
            assert http.get("/console/login").status_code == 200
            written = _written(pid)
            before = _reset_peak(pid)
            r = http.post("/console/login", content=_chunks(head, tail), headers=headers)
        grew = _status_kb(pid, "VmHWM") - before
        wrote = _written(pid) - written
        assert r.status_code == 413, r.text[:500]
        assert r.headers["content-type"].startswith("text/html")
        assert "Nội dung gửi lên quá lớn" in r.text
        assert wrote < 1 * MB, f"the API wrote {wrote / MB:.1f} MB while reading the upload"
        assert grew < MAX_GROWTH, f"the API's peak RSS grew by {grew / MB:.1f} MB"
        api_process.api.assert_alive()
