"""Publication of the consolidated list and objections, on the real server: the council refused
during publication and for a held nominee, the Office's resolutions, the API's view of it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import pytest
from sqlalchemy import select
from temporalio.client import Client

from tests.support.api import Api, serve_app
from tests.support.harness import Harness
from tests.support.rounds import MEMBERS, Round
from tests.support.settings import fast_settings
from tests.support.temporal import fast_forward
from tests.support.waits import poll
from thidua.adapters.db.models import AuditEntryRow
from thidua.app import publication
from thidua.app.ports.publication import ObjectionView
from thidua.app.publication import FileObjectionRequest, ResolveObjectionRequest
from thidua.app.round_commands import CouncilRequest
from thidua.domain.nominations import Stage
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.rounds import RoundStage
from thidua.entrypoints.api.app import create_app
from workflows.consolidation import ConsolidationWorkflow


@pytest.fixture
def rnd(h: Harness) -> Round:
    return Round(h)


async def refused(coro: Any) -> Refusal:
    with pytest.raises(Refusal) as info:
        await coro
    return info.value


async def object_to(rnd: Round, user: str, nomination: str, **body: Any) -> ObjectionView:
    request = FileObjectionRequest.model_validate(
        {"nomination": nomination, "content": "Chưa tham gia phong trào", **body}
    )
    return await rnd.h.db.uow.run(
        lambda tx: publication.file_objection(tx, rnd.h.actor(user), rnd.key, request)
    )


async def resolve(rnd: Round, objection_id: int, decision: str, reason: str) -> ObjectionView:
    request = ResolveObjectionRequest(decision=decision, reason=reason)  # type: ignore[arg-type]
    return await rnd.h.db.uow.run(
        lambda tx: publication.resolve_objection(
            tx, rnd.h.actor("vanphong"), rnd.key, objection_id, request
        )
    )


def ballots_for(items: list[tuple[str, str]]) -> CouncilRequest:
    return CouncilRequest.model_validate(
        {
            "held_on": "2024-12-22",
            "members": MEMBERS,
            "ballots": [
                {"nomination": k, "title": c, "in_favour": 10, "against": 0} for k, c in items
            ],
        }
    )


class TestPublicationPeriod:
    async def test_council_is_refused_until_the_publication_has_ended(self, rnd: Round) -> None:
        """Closed with 1 working day of publication: the round is published, the council refused
        (wrong stage, naming the period's end); an objection then is not late."""
        a = await rnd.submit_and_approve("NV018")
        await rnd.open(publication_days=1)
        view = await rnd.close()
        assert view.stage == "publication"
        assert view.publication is not None and view.publication.days == 1
        assert view.publication.in_progress
        pub = view.publication
        assert pub.published_from is not None and pub.published_until is not None
        assert pub.published_until > pub.published_from
        refusal = await refused(rnd.council())
        assert refusal.code is RefusalCode.WRONG_STAGE
        assert "đang được công khai" in refusal.message and "giờ Việt Nam" in refusal.message
        # The workflow keeps its publication period and stays in it.
        handle = rnd.h.client.get_workflow_handle_for(ConsolidationWorkflow.run, view.workflow_id)
        status = await handle.query(ConsolidationWorkflow.status)
        assert status.stage.value == "publication"
        assert status.published_until == pub.published_until
        filed = await object_to(rnd, "canbo.gdnn", a)
        assert (filed.status, filed.late) == ("open", False)
        await handle.terminate("test done")


class TestPublicationEnds:
    async def test_the_period_ends_by_its_own_timer_then_the_council_votes(
        self, rnd: Round
    ) -> None:
        """1 working day of publication on the round's own (fast-forwarded) clock: an hour before
        its end the council is still refused; at its end the workflow takes ``publication_end``
        (no actor) into the council stage, in the workflow and in the database; the council
        votes and the Director decides."""
        a = await rnd.submit_and_approve("NV018")
        await rnd.open(publication_days=1)
        view = await rnd.close()
        assert view.stage == "publication"
        assert view.publication is not None and view.publication.published_until is not None
        until = view.publication.published_until
        handle = rnd.h.client.get_workflow_handle_for(ConsolidationWorkflow.run, view.workflow_id)

        status = await handle.query(ConsolidationWorkflow.status)
        closed_at = status.steps[-1].at
        assert until - closed_at >= timedelta(days=1)  # the rest of today and one working day
        await fast_forward(rnd.h.client, handle, until - closed_at - timedelta(hours=1))
        refusal = await refused(rnd.council())
        assert refusal.code is RefusalCode.WRONG_STAGE
        assert refusal.problem == "publication_not_ended"  # through the workflow's validator
        assert "đang được công khai" in refusal.message
        status = await handle.query(ConsolidationWorkflow.status)
        assert status.stage is RoundStage.PUBLICATION
        assert [s.action for s in status.steps] == ["close"]

        await fast_forward(rnd.h.client, handle, timedelta(hours=2))
        status = await poll(
            lambda: handle.query(ConsolidationWorkflow.status),
            lambda s: s.stage is RoundStage.COUNCIL,
        )
        end = status.steps[-1]
        assert (end.action, end.stage_to, end.actor) == (
            "publication_end",
            RoundStage.COUNCIL,
            None,
        )
        assert end.at >= until
        view = await poll(
            lambda: rnd.svc.read(rnd.h.actor("vanphong"), rnd.key),
            lambda v: v.stage == "council",
        )
        assert [s["action"] for s in view.steps] == ["close", "publication_end"]
        assert view.publication is not None and not view.publication.in_progress

        view = await rnd.council()
        assert view.stage == "director"
        assert {i.council_status for i in view.items if i.nomination == a} == {"passed"}
        view = await rnd.decide()
        assert view.stage == "decided"
        assert rnd.h.nomination(a).stage == Stage.APPROVED.value


class TestObjections:
    async def test_held_nominee_blocks_the_council_until_dismissed(self, rnd: Round) -> None:
        """An objection holds NV018: the council is refused naming it and the objection; once
        dismissed, the council votes and the Director approves both nominees."""
        a = await rnd.submit_and_approve("NV018", rating="HTXSNV")
        b = await rnd.submit_and_approve("NV019")
        await rnd.open()
        view = await rnd.close()
        assert view.stage == "council"
        filed = await object_to(rnd, "canbo.gdnn", a, anonymous=True)
        view = await rnd.svc.read(rnd.h.actor("thuky.hoidong"), rnd.key)
        assert view.publication is not None
        assert {i.status for i in view.publication.items if i.nomination == a} == {"held"}
        assert {i.status for i in view.publication.items if i.nomination == b} == {"listed"}
        # Anonymous to the council: the secretary sees the objection, not who filed it.
        [seen] = view.publication.objections
        assert (seen.id, seen.objector, seen.filed_by) == (filed.id, None, None)

        refusal = await refused(rnd.council())
        assert refusal.code is RefusalCode.CONFLICT
        assert refusal.problem == "objection_unresolved"  # through the council's activity
        assert a in refusal.message and f"phản ánh số {filed.id}" in refusal.message
        assert b not in refusal.message
        assert (await rnd.svc.read(rnd.h.actor("vanphong"), rnd.key)).stage == "council"

        dismissed = await resolve(rnd, filed.id, "dismissed", "Đã xác minh, không có căn cứ")
        assert (dismissed.status, dismissed.resolved_by) == ("dismissed", "vanphong")
        assert dismissed.objector == "canbo.gdnn"  # the Office sees who objected
        view = await rnd.council()
        assert all(i.council_status == "passed" for i in view.items)
        view = await rnd.decide()
        assert view.stage == "decided"
        for key in (a, b):
            assert rnd.h.nomination(key).stage == Stage.APPROVED.value
        with rnd.h.db.uow.session() as s:
            actions = s.scalars(
                select(AuditEntryRow.action).where(AuditEntryRow.object_id == rnd.key)
            ).all()
        assert {"round.publication_set", "objection.filed", "objection.resolved"} <= set(actions)

    async def test_upheld_objection_withdraws_the_item_from_the_vote(self, rnd: Round) -> None:
        """Upheld on NV018's CSTDCS: a ballot for it is refused; the council votes on the rest;
        the Director's decision leaves it out with the reason, and keeps NV018's LDTT."""
        a = await rnd.submit_and_approve("NV018", rating="HTXSNV")
        await rnd.open()
        await rnd.close()
        filed = await object_to(
            rnd, "vanphong", a, title="CSTDCS", on_behalf_of="Trần Thị B (đơn giấy)"
        )
        assert filed.on_paper and filed.objector == "Trần Thị B (đơn giấy)"
        await resolve(rnd, filed.id, "upheld", "Sáng kiến chưa được công nhận")
        view = await rnd.svc.read(rnd.h.actor("vanphong"), rnd.key)
        assert rnd.item(view, a, "CSTDCS").council_status == "withdrawn"
        again = await refused(resolve(rnd, filed.id, "dismissed", "Đổi ý"))
        assert again.code is RefusalCode.DUPLICATE

        secretary = rnd.h.actor("thuky.hoidong")
        refusal = await refused(
            rnd.svc.council(secretary, rnd.key, ballots_for([(a, "LDTT"), (a, "CSTDCS")]))
        )
        assert refusal.code is RefusalCode.INVALID and f"{a}/CSTDCS" in refusal.message
        view = await rnd.svc.council(secretary, rnd.key, ballots_for([(a, "LDTT")]))
        assert rnd.item(view, a, "LDTT").council_status == "passed"
        view = await rnd.decide()
        cstdcs = rnd.item(view, a, "CSTDCS")
        assert cstdcs.director_status == "not_recommended"
        assert rnd.item(view, a, "LDTT").director_status == "approved"
        assert rnd.h.nomination(a).stage == Stage.APPROVED.value

    async def test_objections_through_the_api(self, rnd: Round) -> None:
        """POST/GET objections and resolve over HTTP: 201, scoping by unit, idempotent retry,
        409 on the council for the held nominee, the round's publication block."""
        a = await rnd.submit_and_approve("NV018")
        await rnd.open()
        await rnd.close()
        app = create_app(fast_settings(rnd.h.db.url, "q"), rnd.h.db.uow, cast(Client, object()))
        path = f"/v1/rounds/{rnd.key}/objections"
        async with serve_app(app) as http:
            api = Api(http, rnd.h.db)
            body = {"nomination": a, "content": "Vi phạm kỷ luật chưa xem xét"}
            first = await api.call(
                "truongphong.gdnn", "POST", path, body, headers={"Idempotency-Key": "obj-1"}
            )
            assert first.status_code == 201, first.text
            retry = await api.call(
                "truongphong.gdnn", "POST", path, body, headers={"Idempotency-Key": "obj-1"}
            )
            assert retry.status_code == 201 and retry.json()["id"] == first.json()["id"]
            assert retry.headers.get("Idempotent-Replayed") == "true"
            unknown = await api.call("canbo.ldvl", "POST", path, {**body, "nomination": "X"})
            assert unknown.status_code == 404
            assert unknown.json()["errors"][0]["field"] == "nomination"
            behalf = await api.call("canbo.ldvl", "POST", path, {**body, "on_behalf_of": "Ai"})
            assert behalf.status_code == 403
            pipeline = await api.call("pipeline.ldvl", "POST", path, body)
            assert pipeline.status_code == 403

            # The unit of the nomination (LDVL) sees it; the objector sees their own;
            # another unit's officer does not.
            seen = {
                user: len((await api.call(user, "GET", path)).json())
                for user in ("truongphong.ldvl", "truongphong.gdnn", "canbo.gdnn", "kiemtoan")
            }
            assert seen == {
                "truongphong.ldvl": 1,
                "truongphong.gdnn": 1,
                "canbo.gdnn": 0,
                "kiemtoan": 1,
            }
            shown = (await api.call("vanphong", "GET", f"/v1/rounds/{rnd.key}")).json()
            assert shown["publication"]["days"] == 0
            assert [o["status"] for o in shown["publication"]["objections"]] == ["open"]
            listed = await api.call("canbo.gdnn", "GET", f"/v1/rounds/{rnd.key}/publication")
            assert listed.status_code == 200
            assert {i["status"] for i in listed.json()["items"]} == {"held"}

            oid = first.json()["id"]
            forbidden = await api.call(
                "giamdoc",
                "POST",
                f"{path}/{oid}/resolve",
                {"decision": "dismissed", "reason": "x"},
            )
            assert forbidden.status_code == 403
            empty = await api.call(
                "vanphong", "POST", f"{path}/{oid}/resolve", {"decision": "dismissed"}
            )
            assert empty.status_code == 422
            done = await api.call(
                "vanphong",
                "POST",
                f"{path}/{oid}/resolve",
                {"decision": "dismissed", "reason": "Không có căn cứ"},
            )
            assert done.status_code == 200 and done.json()["status"] == "dismissed"
        await rnd.council()


class TestConsole:
    async def test_the_round_screen_shows_objections_and_the_office_resolves(
        self, rnd: Round
    ) -> None:
        """The round screen lists the objection (held nominee); the Office's form dismisses it;
        an empty reason shows the form again with the message."""
        import re

        import httpx

        from thidua.app.accounts import console as console_auth

        a = await rnd.submit_and_approve("NV018")
        await rnd.open()
        await rnd.close()
        filed = await object_to(rnd, "canbo.gdnn", a)
        password = "mat-khau-dai-du-12"
        with rnd.h.db.uow() as tx:
            console_auth.set_password(tx, "vanphong", password)
        app = create_app(fast_settings(rnd.h.db.url, "console-pub"), rnd.h.db.uow, client=None)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:

            def csrf(page: str) -> str:
                found = re.search(r'name="csrf_token" value="([^"]+)"', page)
                assert found is not None
                return found.group(1)

            login = await http.get("/console/login")
            r = await http.post(
                "/console/login",
                data={"username": "vanphong", "password": password, "csrf_token": csrf(login.text)},
            )
            assert r.status_code == 303
            page = await http.get(f"/console/rounds/{rnd.key}")
            assert page.status_code == 200
            assert "Công khai danh sách tổng hợp" in page.text
            assert "Chưa tham gia phong trào" in page.text and "Tạm dừng xét" in page.text
            url = f"/console/rounds/{rnd.key}/objections/{filed.id}/resolve"
            r = await http.post(
                url, data={"csrf_token": csrf(page.text), "decision": "dismissed", "reason": ""}
            )
            assert r.status_code == 400 and "phải ghi rõ lý do" in r.text
            r = await http.post(
                url,
                data={"csrf_token": csrf(page.text), "decision": "dismissed", "reason": "Sai"},
            )
            assert r.status_code == 303 and r.headers["location"].endswith("ok=objection_resolved")
            page = await http.get(r.headers["location"])
            assert "Không chấp nhận: tiếp tục xét" in page.text
