"""`thidua up` as a user runs it: real processes, kill -9 of the worker, stop and start again."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.up import Service
from thidua.app.sample_data import STAFF

TOKEN_RE = re.compile(r"thd_[A-Za-z0-9_-]{20,}")

pytestmark = pytest.mark.slow


def assert_private(var: Path) -> None:
    """var/ is 0700 and nothing in it is readable by group or others."""
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert stat.S_IMODE((var / "thidua.db").stat().st_mode) == 0o600
    for path in var.rglob("*"):
        assert stat.S_IMODE(path.lstat().st_mode) & 0o077 == 0, path


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    svc = Service(tmp_path)
    try:
        yield svc
    finally:
        svc.close()


class TestUp:
    def test_up_survives_worker_kill_and_restart_with_nothing_lost(self, service: Service) -> None:
        """Banner, kill -9 of the worker mid-review, Ctrl-C and restart: the nomination finishes."""
        banner = service.start()
        assert f"http://127.0.0.1:{service.api_port}/openapi.json" in banner
        assert "Temporal UI" in banner and "development profile" in banner
        assert service.token("giamdoc") in banner  # the sample credentials, on creation only
        assert_private(service.var)
        nominee = next(s.code for s in STAFF if s.unit_code == "NCC" and "Trưởng" not in s.position)
        r = service.call(
            "canbo.ncc",
            "POST",
            "/v1/nominations",
            {
                "movement": "NTM-2024",
                "unit": "NCC",
                "facts": {"kind": "individual", "id": nominee, "year": 2024, "rating": "HTTNV"},
            },
        )
        assert r.status_code == 201, r.text
        nid = r.json()["id"]

        old_worker = service.pid("worker")
        os.kill(old_worker, signal.SIGKILL)
        # The review waits for a worker; the supervisor starts a new one.
        r = service.call(
            "truongphong.ncc", "POST", f"/v1/nominations/{nid}/review", {"decision": "approve"}
        )
        assert r.status_code == 200, r.text
        assert r.json()["stage"] == "office_review"
        assert service.pid("worker") != old_worker

        assert service.stop() == 0
        banner = service.start()
        assert "development profile" in banner and "thidua sample-accounts" in banner
        assert not TOKEN_RE.search("".join(service.lines)), "credentials printed again"
        r = service.call("vanphong", "GET", f"/v1/nominations/{nid}")
        assert r.json()["stage"] == "office_review"
        for user in ("vanphong", "giamdoc"):
            r = service.call(user, "POST", f"/v1/nominations/{nid}/review", {"decision": "approve"})
            assert r.status_code == 200, r.text
        detail = service.call("kiemtoan", "GET", f"/v1/nominations/{nid}").json()
        assert detail["stage"] == "approved"
        seqs = [s["seq"] for s in detail["steps"]]
        assert seqs == list(range(1, len(seqs) + 1))
        assert [s["action"] for s in detail["steps"]].count("approve") == 3
        assert service.stop() == 0


class TestUpProduction:
    def test_production_starts_empty_and_the_operators_admin_is_printed_once(
        self, tmp_path: Path
    ) -> None:
        """THIDUA_ENV=production: no account, no credential, no docs, private files; the first
        admin's token is printed once by `tokens create`, expires, and no start prints it."""
        service = Service(tmp_path, THIDUA_ENV="production")
        try:
            banner = service.start()
            assert "production" in banner and "Chưa có tài khoản nào" in banner
            assert not TOKEN_RE.search("".join(service.lines))
            assert not (service.var / "sample-accounts.json").exists()
            for path in ("/docs", "/redoc", "/openapi.json"):
                assert httpx.get(service.base_url + path, timeout=30).status_code == 404, path
            assert_private(service.var)

            def cli(*args: str) -> subprocess.CompletedProcess[str]:
                return subprocess.run(
                    [sys.executable, "-m", "thidua.entrypoints.cli", *args],
                    cwd=tmp_path,
                    env=service.env,
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=True,
                )

            cli("users", "create", "quantri", "--role", "admin")
            issued = cli("tokens", "create", "quantri")
            [token] = TOKEN_RE.findall(issued.stdout)
            assert "hết hạn: không" not in issued.stderr
            me = httpx.get(
                service.base_url + "/v1/me",
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            assert me.status_code == 200 and me.json()["username"] == "quantri"

            assert service.stop() == 0
            banner = service.start()
            assert "Chưa có tài khoản" not in banner
            assert not TOKEN_RE.search("".join(service.lines))
            assert service.stop() == 0
        finally:
            service.close()
