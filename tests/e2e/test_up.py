"""`thidua up` as a user runs it: real processes, kill -9 of the worker, stop and start again."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.up import Service
from thidua.app.sample_data import STAFF

pytestmark = pytest.mark.slow


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
        assert f"http://127.0.0.1:{service.api_port}/docs" in banner
        assert "Temporal UI" in banner and "giamdoc" in banner
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
        service.start()
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
