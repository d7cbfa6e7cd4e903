"""SIGKILL of the API in the middle of a bulk import, then the same file imported again.

A ``.jsonl`` file of nominations goes to ``POST /v1/nominations:batch``; the API process is
killed once part of it is in our database (some nominations only as rows whose workflow has not
started yet). A new API process receives the same file: it reports every row as created or
already existing, none is refused, and every nomination reaches unit review once, with one
workflow, its submission and evaluation recorded once.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from tests.support.checks import assert_audit_chain_verifies, check_consistent
from tests.support.db import SeededDb
from tests.support.driver import Plan, add_staff
from tests.support.nominations import MOVEMENT, eligible_facts
from tests.support.scale import backends, scaled
from tests.support.stack import Stack
from tests.support.waits import poll
from thidua.adapters.db.models import NominationRow
from thidua.adapters.temporal.client import connect_client
from thidua.domain.nominations import Stage, workflow_id_for
from workflows.nomination import NominationWorkflow

pytestmark = [pytest.mark.crash, pytest.mark.slow, backends("sqlite")]

N = scaled(60, 500)


def count_rows(db: SeededDb) -> int:
    with db.uow.session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(NominationRow)
                .where(NominationRow.nominee_code.like("CRA%"))
            )
            or 0
        )


async def test_api_sigkill_mid_import_then_same_file_again_creates_each_once(
    stack: Stack, seeded: SeededDb, tmp_path: Path
) -> None:
    """kill -9 of the API mid-batch; the same file again: every row once, none lost."""
    staff = add_staff(seeded.uow, "CRA", N, spread=("LDVL",))
    path = tmp_path / "nominations.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"movement": MOVEMENT, "unit": unit, "facts": eligible_facts(code)})
            for code, unit in staff
        )
        + "\n",
        encoding="utf-8",
    )
    stack.start_api()
    headers = {"Authorization": f"Bearer {seeded.token('canbo.ldvl')}"}

    async def post_file() -> httpx.Response:
        items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        async with httpx.AsyncClient(base_url=stack.base_url, timeout=300) as http:
            return await http.post("/v1/nominations:batch", json={"items": items}, headers=headers)

    first = asyncio.create_task(post_file())
    await poll(lambda: count_rows(seeded), lambda n: n >= N // 3, within=120)
    stack.api.kill()
    with pytest.raises(httpx.HTTPError):
        await first
    at_kill = count_rows(seeded)
    assert 0 < at_kill < N, at_kill

    stack.start_api()
    second = await post_file()
    assert second.status_code == 200, second.text
    report = second.json()
    assert report["errors"] == 0, [r for r in report["results"] if r["status"] == "error"][:3]
    assert report["accepted"] + report["existing"] == N
    assert report["accepted"] > 0 and report["existing"] > 0, report

    # A third import creates nothing.
    third = (await post_file()).json()
    assert (third["accepted"], third["existing"], third["errors"]) == (0, N, 0)

    client = await connect_client(stack.settings.temporal)
    plans = [
        Plan(
            code,
            unit,
            [],
            Stage.UNIT_REVIEW,
            [("submit", "submitted"), ("evaluate", "unit_review")],
            key=f"{MOVEMENT}_2024_{code}",
        )
        for code, unit in staff
    ]
    statuses = {}
    for plan in plans:
        handle = client.get_workflow_handle_for(
            NominationWorkflow.run,
            workflow_id_for(plan.key, stack.settings.temporal.workflow_id_prefix),
        )
        statuses[plan.key] = await poll(
            lambda h=handle: h.query(NominationWorkflow.status),
            lambda s: s.stage is Stage.UNIT_REVIEW,
            within=60,
        )
    counts = check_consistent(seeded.uow, plans, statuses)
    print(
        f"API crash: {at_kill} of {N} rows in the database at the kill; second import: "
        f"{report['accepted']} created, {report['existing']} existing"
    )
    assert counts["steps"] == 2 * N
    assert_audit_chain_verifies(seeded.uow)
