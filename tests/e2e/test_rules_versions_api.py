"""Rules governance through the HTTP API, a real worker evaluating with the database's versions,
and the embedded Temporal server: refusals as problems, publish, re-evaluation preview and apply."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from tests.support.api import Api, serve_app
from tests.support.db import SeededDb
from tests.support.harness import in_process_worker
from tests.support.nominations import individual, staff_of
from tests.support.rulesets import CHANGED_CASES, v2_content, v2_golden
from tests.support.settings import fast_settings
from thidua.adapters.db.models import AuditEntryRow, NominationRow
from thidua.domain.nominations import ReevaluateCriteriaInput, RulesetRef
from thidua.domain.roles import Actor, Role
from thidua.entrypoints.api.app import create_app
from workflows.nomination import NominationWorkflow

ADMIN1, ADMIN2, AUDITOR = "quantri.quydinh1", "quantri.quydinh2", "kiemtoan"
V2 = "/v1/rules/versions/ntm-2024/2"
PROBLEM = "https://thidua.example/problems/"


@pytest.fixture
async def gov_api(
    temporal_client: Client, seeded_sqlite: SeededDb, task_queue: str
) -> AsyncIterator[Api]:
    """API + a worker whose rules engine reads the database (no rules engine passed in)."""
    settings = fast_settings(seeded_sqlite.url, task_queue)
    # No rules engine passed in: the worker builds one over the database's rules versions.
    async with in_process_worker(temporal_client, settings, seeded_sqlite.uow, None):
        app = create_app(settings, seeded_sqlite.uow, client=temporal_client)
        async with serve_app(app) as http:
            yield Api(http, seeded_sqlite)


def assert_problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["type"] == PROBLEM + code and body["code"] == code
    return body


async def upload(api: Api, *, green: bool, user: str = ADMIN1) -> httpx.Response:
    body = {"content": v2_content(), "golden": v2_golden(green=green), "notes": "9 tháng"}
    return await api.call(user, "POST", "/v1/rules/versions", body)


class TestGovernanceApi:
    async def test_roles_refusals_and_publication(self, gov_api: Api) -> None:
        """403 for other roles; second admin, golden and line errors as problems; then publish."""
        api = gov_api
        assert_problem(await api.call("canbo.ldvl", "GET", "/v1/rules/versions"), 403, "forbidden")
        r = await api.call(AUDITOR, "GET", "/v1/rules/versions")
        assert r.status_code == 200
        assert {(v["ruleset_id"], v["version"], v["status"]) for v in r.json()} == {
            ("ntm-2024", "1", "published"),
            ("tdkt-2025", "1", "published"),
            ("tdkt-2025", "2", "published"),
        }
        assert_problem(await upload(api, green=True, user=AUDITOR), 403, "forbidden")

        bad = {"content": v2_content().replace("    value: 9\n", "    value: chín\n", 1)}
        body = assert_problem(
            await api.call(ADMIN1, "POST", "/v1/rules/versions", bad), 422, "rules_invalid"
        )
        assert body["errors"][0]["field"] == "content" and body["errors"][0]["line"] > 300

        r = await upload(api, green=False)
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "draft" and r.json()["author"] == ADMIN1
        body = assert_problem(
            await api.call(ADMIN2, "POST", V2 + ":publish", {"effective_from": "2024-07-01"}),
            409,
            "rules_second_admin_required",
        )
        assert "quản trị tiêu chí thứ hai" in body["detail"]
        assert_problem(
            await api.call(ADMIN1, "POST", V2 + ":approve"), 409, "rules_second_admin_required"
        )
        r = await api.call(AUDITOR, "POST", V2 + ":test")
        assert r.status_code == 200 and r.json()["failed"] == len(CHANGED_CASES)
        r = await api.call(AUDITOR, "POST", V2 + ":diff")
        assert [c["name"] for c in r.json()["changes"] if c["section"] == "parameter"] == [
            "min_months"
        ]
        assert (await api.call(ADMIN2, "POST", V2 + ":approve")).json()["status"] == "approved"
        body = assert_problem(
            await api.call(ADMIN2, "POST", V2 + ":publish", {"effective_from": "2024-07-01"}),
            409,
            "rules_golden_failed",
        )
        assert {e["field"] for e in body["errors"]} == {f"golden.{c}" for c in CHANGED_CASES}

        # An approved version cannot be edited: retire it, upload a green one, approve, publish.
        assert_problem(
            await api.call(ADMIN1, "PUT", V2, {"content": v2_content()}), 409, "rules_wrong_status"
        )
        assert (await api.call(ADMIN1, "POST", V2 + ":retire")).json()["status"] == "retired"
        assert_problem(await upload(api, green=True), 409, "rules_version_exists")

    async def test_publish_then_reevaluate_in_flight_nomination(
        self, gov_api: Api, temporal_client: Client
    ) -> None:
        """A nomination pinned to v1 is previewed, then re-evaluated under v2 through its workflow."""
        api = gov_api
        nine = individual(staff_of("LDVL"), rating="HTTNV", months_worked=9)
        r = await api.call("canbo.ldvl", "POST", "/v1/nominations", nine)
        assert r.status_code == 201, r.text
        key = r.json()["id"]
        assert r.json()["status"] == "not_eligible" and r.json()["stage"] == "unit_review"

        assert (await upload(api, green=True)).status_code == 201
        assert (await api.call(ADMIN2, "POST", V2 + ":approve")).status_code == 200
        r = await api.call(ADMIN2, "POST", V2 + ":publish", {"effective_from": "2024-07-01"})
        assert r.status_code == 200, r.text
        assert r.json()["effective_from"] == "2024-07-01" and r.json()["supersedes"] == "1"

        # Newly submitted nominations of 2024 are now judged under v2 ...
        other = individual(staff_of("LDVL", 2), rating="HTTNV", months_worked=9)
        r = await api.call("canbo.ldvl", "POST", "/v1/nominations", other)
        assert r.json()["status"] == "eligible" and r.json()["titles"] == ["LDTT"]
        # ... while the first one keeps v1 until an admin re-evaluates it.
        target = {"ruleset_id": "ntm-2024", "version": "2", "reason": "Áp dụng 9 tháng"}
        r = await api.call(AUDITOR, "POST", "/v1/rules/reevaluations:preview", target)
        assert r.status_code == 200, r.text
        (item,) = r.json()["items"]
        assert item["nomination"] == key and item["changed"] is True
        assert item["current"]["status"] == "not_eligible"
        assert item["proposed"] == {
            "version": "2",
            "status": "eligible",
            "titles": ["LDTT"],
            "proposals": [],
        }
        assert item["now_fired"] == ["ldtt"] and item["no_longer_fired"] == []
        assert_problem(
            await api.call(AUDITOR, "POST", "/v1/rules/reevaluations:apply", target),
            403,
            "forbidden",
        )
        r = await api.call(ADMIN1, "POST", "/v1/rules/reevaluations:apply", target)
        assert r.status_code == 200, r.text
        assert [(i["nomination"], i["applied"]) for i in r.json()["items"]] == [(key, True)]

        wf = (await api.call(ADMIN1, "GET", f"/v1/nominations/{key}/workflow")).json()
        assert wf["evaluation"]["status"] == "eligible"
        assert wf["evaluation"]["ruleset"]["version"] == "2"
        assert wf["stage"] == "unit_review"
        with api.db.uow.session() as s:
            row = s.scalars(select(NominationRow).where(NominationRow.key == key)).one()
            assert (row.ruleset_version, row.status, row.titles) == ("2", "eligible", ["LDTT"])
            audited = s.scalars(
                select(AuditEntryRow).where(AuditEntryRow.action == "nomination.reevaluated")
            ).all()
            assert [a.object_id for a in audited] == [key]
            # Written with the evaluation (same transaction), naming the admin and the old pin.
            entry = audited[0]
            assert (entry.actor, entry.actor_role) == (ADMIN1, "rules_admin")
            assert entry.before["ruleset"]["version"] == "1"
            assert entry.after["ruleset"]["version"] == "2"
            assert entry.after["phase"] == "reevaluation"
            assert entry.after["reason"] == "Áp dụng 9 tháng"
            assert entry.workflow_id == row.workflow_id
        # Applying again finds nothing left to re-evaluate (idempotent).
        r = await api.call(ADMIN1, "POST", "/v1/rules/reevaluations:apply", target)
        assert r.json()["items"] == []

        # The workflow itself refuses other roles and a second re-evaluation to the same version.
        handle = temporal_client.get_workflow_handle_for(NominationWorkflow.run, row.workflow_id)
        ref = RulesetRef(**wf["evaluation"]["ruleset"])
        for actor, code in (
            (Actor(username="vanphong", role=Role.OFFICE), "forbidden"),
            (Actor(username=ADMIN2, role=Role.RULES_ADMIN), "duplicate"),
        ):
            with pytest.raises(WorkflowUpdateFailedError) as info:
                await handle.execute_update(
                    NominationWorkflow.reevaluate_criteria,
                    ReevaluateCriteriaInput(actor=actor, ruleset=ref),
                )
            assert isinstance(info.value.cause, ApplicationError)
            assert info.value.cause.type == code


ROLES_EXPECTED = {
    # user: (read, write on a published version, re-evaluation preview)
    "canbo.ldvl": (403, 403, 403),
    "truongphong.ldvl": (403, 403, 403),
    "pipeline.ldvl": (403, 403, 403),
    "vanphong": (403, 403, 403),
    "thuky.hoidong": (403, 403, 403),
    "giamdoc": (403, 403, 403),
    "kiemtoan": (200, 403, 200),
    ADMIN1: (200, 409, 200),
}


class TestAuthorization:
    async def test_every_role_on_read_write_and_preview(self, gov_api: Api) -> None:
        """Rules admins write, auditors read, every other role is refused (403)."""
        target = {"ruleset_id": "ntm-2024", "version": "1"}
        got = {}
        for user in ROLES_EXPECTED:
            read = await gov_api.call(user, "GET", "/v1/rules/versions/ntm-2024/1")
            write = await gov_api.call(user, "POST", "/v1/rules/versions/ntm-2024/1:approve")
            plan = await gov_api.call(user, "POST", "/v1/rules/reevaluations:preview", target)
            got[user] = (read.status_code, write.status_code, plan.status_code)
        assert got == ROLES_EXPECTED
        assert (await gov_api.call(None, "GET", "/v1/rules/versions")).status_code == 401
