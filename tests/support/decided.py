"""A decided round driven through the HTTP API as the sample users would, for the tests of what
follows the Director's decision (revocation, the round's documents)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.support.api import Api
from tests.support.nominations import MOVEMENT, YEAR

DOSSIER = {"achievement_report": "BCTT.pdf", "review_minutes": "BB-HX.pdf", "evidence": []}
MEMBERS = [{"name": f"Thành viên {i}", "present": True} for i in range(1, 11)]


async def decided_round(api: Api, nominees: list[tuple[str, str]]) -> dict[str, Any]:
    """Submit each (unit, staff code) rated HTTNV (an LĐTT only), approve it in its unit, open a
    round without publication, close it, vote every item 10 of 10, approve it; return the round
    once its decision document is issued."""
    for unit, code in nominees:
        u = unit.lower()
        facts = {"kind": "individual", "id": code, "year": YEAR, "rating": "HTTNV"}
        body = {"movement": MOVEMENT, "unit": unit, "facts": facts, "dossier": DOSSIER}
        r = await api.call(f"canbo.{u}", "POST", "/v1/nominations", body)
        assert r.status_code == 201, r.text
        r = await api.call(
            f"truongphong.{u}",
            "POST",
            f"/v1/nominations/{r.json()['id']}/review",
            {"decision": "approve"},
        )
        assert r.status_code == 200, r.text
    closes_at = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    opening = {"movement": MOVEMENT, "year": YEAR, "closes_at": closes_at, "publication_days": 0}
    r = await api.call("vanphong", "POST", "/v1/rounds", opening)
    assert r.status_code == 201, r.text
    key = r.json()["key"]
    r = await api.call("vanphong", "POST", f"/v1/rounds/{key}/close")
    assert r.status_code == 200, r.text
    ballots = [
        {"nomination": i["nomination"], "title": i["code"], "in_favour": 10, "against": 0}
        for i in r.json()["items"]
    ]
    council = {"held_on": date.today().isoformat(), "members": MEMBERS, "ballots": ballots}
    r = await api.call("thuky.hoidong", "POST", f"/v1/rounds/{key}/council", council)
    assert r.status_code == 200, r.text
    r = await api.call("giamdoc", "POST", f"/v1/rounds/{key}/decision", {"action": "approve"})
    assert r.status_code == 200, r.text
    view: dict[str, Any] = r.json()
    deadline = time.monotonic() + 60
    while not any(d["kind"] == "decision" for d in view.get("documents") or []):
        assert time.monotonic() < deadline, f"no decision document: {str(view)[:2000]}"
        await asyncio.sleep(0.3)
        view = (await api.call("vanphong", "GET", f"/v1/rounds/{key}")).json()
    return view
