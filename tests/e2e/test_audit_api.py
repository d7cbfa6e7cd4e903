"""The audit log end to end: a nomination's lifecycle through the API and the real worker leaves
each step in the chain exactly once; /v1/audit and /v1/audit/verify, by role."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.api import Api
from tests.support.nominations import individual, staff_of


async def _entries(api: Api, user: str, **params: Any) -> list[dict[str, Any]]:
    """Every page of /v1/audit, following next_cursor."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        r = await api.call(user, "GET", "/v1/audit", params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items


class TestLifecycleIsAudited:
    """Submission and three approvals, as the auditor sees them."""

    async def test_each_step_is_in_the_verified_chain_exactly_once(self, api: Api) -> None:
        """nomination.created once, steps 1–5 once each, two evaluations; the chain verifies."""
        r = await api.call("canbo.ldvl", "POST", "/v1/nominations", individual(staff_of("LDVL")))
        assert r.status_code == 201, r.text
        nid = r.json()["id"]
        for user in ("truongphong.ldvl", "vanphong", "giamdoc"):
            r = await api.call(
                user, "POST", f"/v1/nominations/{nid}/review", {"decision": "approve"}
            )
            assert r.status_code == 200, r.text

        for _ in range(50):  # the last step is recorded by the worker; give it a moment
            entries = await _entries(api, "kiemtoan", object_id=nid, limit=2)
            if sum(e["action"] == "nomination.step" for e in entries) >= 5:
                break
            await asyncio.sleep(0.1)
        steps = [e for e in entries if e["action"] == "nomination.step"]
        assert [e["after"]["seq"] for e in steps] == [1, 2, 3, 4, 5]
        assert [e["actor"] for e in steps] == [
            "canbo.ldvl",
            None,
            "truongphong.ldvl",
            "vanphong",
            "giamdoc",
        ]
        assert steps[-1]["after"]["stage_to"] == "approved"
        assert len({e["run_id"] for e in steps}) == 1 and steps[0]["workflow_id"]
        assert [e["action"] for e in entries].count("nomination.created") == 1
        evaluations = [e for e in entries if e["action"] == "evaluation.recorded"]
        assert [e["after"]["phase"] for e in evaluations] == ["submission", "office_review"]
        seqs = [e["seq"] for e in entries]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)

        r = await api.call("kiemtoan", "GET", "/v1/audit/verify")
        assert r.status_code == 200, r.text
        verification = r.json()
        assert verification["ok"] is True and verification["problem"] is None
        assert verification["entries"] >= len(entries)
        assert verification["message"].startswith("Chuỗi nhật ký kiểm toán toàn vẹn")

        prefixed = await _entries(api, "quantri.quydinh1", action="nomination.", object_id=nid)
        assert {e["action"] for e in prefixed} == {"nomination.created", "nomination.step"}


class TestAuditAccess:
    """Only the auditor verifies; the auditor and the rules administrator list."""

    async def test_roles(self, api: Api) -> None:
        """Auditor 200/200; rules admin 200/403; every other role 403; no token 401."""
        expected = {
            "kiemtoan": (200, 200),
            "quantri.quydinh1": (200, 403),
            "giamdoc": (403, 403),
            "vanphong": (403, 403),
            "thuky.hoidong": (403, 403),
            "canbo.ldvl": (403, 403),
            "truongphong.ldvl": (403, 403),
            "pipeline.ldvl": (403, 403),
        }
        for user, (list_status, verify_status) in expected.items():
            r = await api.call(user, "GET", "/v1/audit")
            assert r.status_code == list_status, (user, r.text)
            r = await api.call(user, "GET", "/v1/audit/verify")
            assert r.status_code == verify_status, (user, r.text)
            if verify_status == 403:
                assert r.headers["content-type"].startswith("application/problem+json")
        assert (await api.call(None, "GET", "/v1/audit")).status_code == 401

    async def test_bad_cursor_is_a_problem_naming_the_field(self, api: Api) -> None:
        """A forged cursor: 400 naming ``cursor``, not a 500."""
        r = await api.call("kiemtoan", "GET", "/v1/audit", params={"cursor": "bm9wZQ"})
        assert r.status_code in (400, 422), r.text
        assert "cursor" in r.text

    async def test_out_of_range_time_is_a_problem_naming_the_field(self, api: Api) -> None:
        """A time that cannot be expressed in UTC: 400/422 naming ``since``, not a 500."""
        r = await api.call(
            "kiemtoan", "GET", "/v1/audit", params={"since": "0001-01-01T00:00:00+14:00"}
        )
        assert r.status_code in (400, 422), r.text
        assert "since" in r.text
