"""The HTTP API against the real embedded Temporal server, a real worker and real databases."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select, update

from tests.support.api import Api
from tests.support.db import SeededDb
from tests.support.nominations import individual, staff_of
from thidua.adapters.db.models import IdempotencyRow, NominationRow, NominationStepRow
from thidua.app.accounts import tokens, users


def count_rows(db: SeededDb, model: type) -> int:
    with db.uow.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


class TestWalkthrough:
    async def test_nomination_travels_from_submission_to_approval(self, api: Api) -> None:
        """The README walkthrough: submit, unit head, Office and Director approve → approved."""
        r = await api.call("canbo.ldvl", "POST", "/v1/nominations", individual(staff_of("LDVL")))
        assert r.status_code == 201, r.text
        nomination = r.json()
        assert nomination["stage"] == "unit_review"
        assert nomination["status"] == "eligible"
        assert "LDTT" in nomination["titles"]
        assert nomination["ruleset"]["sha256"]
        nid = nomination["id"]
        for user, stage in (
            ("truongphong.ldvl", "office_review"),
            ("vanphong", "director_review"),
            ("giamdoc", "approved"),
        ):
            r = await api.call(
                user, "POST", f"/v1/nominations/{nid}/review", {"decision": "approve"}
            )
            assert r.status_code == 200, r.text
            assert r.json()["stage"] == stage
        r = await api.call("kiemtoan", "GET", f"/v1/nominations/{nid}")
        detail = r.json()
        assert [s["action"] for s in detail["steps"]] == [
            "submit",
            "evaluate",
            "approve",
            "approve",
            "approve",
        ]
        assert detail["evaluation"]["ruleset"]["id"] == nomination["ruleset"]["id"]
        assert count_rows(api.db, NominationStepRow) == 5
        r = await api.call("giamdoc", "GET", f"/v1/nominations/{nid}/workflow")
        assert r.json()["stage"] == "approved"


class TestAuthentication:
    async def test_missing_token_is_401_problem(self, api: Api) -> None:
        """No token: 401 with an RFC 9457 problem body."""
        r = await api.call(None, "GET", "/v1/nominations")
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["status"] == 401

    async def test_unknown_token_is_401(self, api: Api) -> None:
        """A made-up token is refused."""
        r = await api.http.get("/v1/nominations", headers={"Authorization": "Bearer thd_nope"})
        assert r.status_code == 401


class TestAuthorization:
    async def test_officer_cannot_submit_for_another_unit(self, api: Api) -> None:
        """A unit officer submits only for their own unit."""
        body = individual(staff_of("GDNN"))
        body["unit"] = "GDNN"
        r = await api.call("canbo.ldvl", "POST", "/v1/nominations", body)
        assert r.status_code == 403
        assert count_rows(api.db, NominationRow) == 0

    async def test_foreign_unit_head_sees_404_and_cannot_review(self, api: Api) -> None:
        """Another unit's head can neither read nor review the nomination (404 both)."""
        r = await api.call("canbo.ldvl", "POST", "/v1/nominations", individual(staff_of("LDVL")))
        nid = r.json()["id"]
        assert (
            await api.call("truongphong.gdnn", "GET", f"/v1/nominations/{nid}")
        ).status_code == 404
        r = await api.call(
            "truongphong.gdnn", "POST", f"/v1/nominations/{nid}/review", {"decision": "approve"}
        )
        assert r.status_code == 404
        listed = await api.call("truongphong.gdnn", "GET", "/v1/nominations")
        assert listed.json() == {"items": [], "next_cursor": None}

    async def test_auditor_reads_but_cannot_review(self, api: Api) -> None:
        """The auditor reads every nomination but changes nothing."""
        r = await api.call("canbo.ldvl", "POST", "/v1/nominations", individual(staff_of("LDVL")))
        nid = r.json()["id"]
        assert (await api.call("kiemtoan", "GET", f"/v1/nominations/{nid}")).status_code == 200
        r = await api.call(
            "kiemtoan", "POST", f"/v1/nominations/{nid}/review", {"decision": "approve"}
        )
        assert r.status_code == 403
        assert "thủ trưởng đơn vị" in r.json()["detail"]

    async def test_review_in_wrong_stage_is_409(self, api: Api) -> None:
        """Resubmitting a nomination that was not returned is refused as a wrong-stage call."""
        body = individual(staff_of("LDVL"))
        r = await api.call("canbo.ldvl", "POST", "/v1/nominations", body)
        nid = r.json()["id"]
        r = await api.call(
            "canbo.ldvl", "POST", f"/v1/nominations/{nid}/resubmit", {"facts": body["facts"]}
        )
        assert r.status_code == 409
        assert r.json()["code"] == "wrong_stage"


class TestBadInput:
    async def test_wrong_type_names_the_field_path_and_stores_nothing(self, api: Api) -> None:
        """A string where a year is expected: 422 naming facts.initiatives[0].year; nothing stored."""
        body = individual(staff_of("LDVL"), initiatives=[{"id": "SK-1", "year": "2024"}])
        r = await api.call("canbo.ldvl", "POST", "/v1/nominations", body)
        assert r.status_code == 422
        problem = r.json()
        assert problem["errors"][0]["field"] == "facts.initiatives[0].year"
        assert problem["detail"].startswith("facts.initiatives[0].year")
        assert count_rows(api.db, NominationRow) == 0

    async def test_unknown_and_server_owned_fields_are_rejected(self, api: Api) -> None:
        """Clients cannot set server-owned fields such as stage."""
        body = individual(staff_of("LDVL"))
        body["stage"] = "approved"
        r = await api.call("canbo.ldvl", "POST", "/v1/nominations", body)
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "stage"

    async def test_nominee_not_in_unit_is_refused(self, api: Api) -> None:
        """An individual who is not staff of the submitting unit is refused by name."""
        r = await api.call("canbo.ldvl", "POST", "/v1/nominations", individual("NV999"))
        assert r.status_code == 403
        assert "facts.id" in r.json()["detail"]

    async def test_malformed_json_is_422_not_500(self, api: Api) -> None:
        """Broken JSON gets a clear 422."""
        r = await api.http.post(
            "/v1/nominations",
            content=b"{not json",
            headers={
                "Authorization": f"Bearer {api.db.token('canbo.ldvl')}",
                "Content-Type": "application/json",
            },
        )
        assert r.status_code == 422

    async def test_oversized_body_is_413(self, api: Api) -> None:
        """Bodies over the limit are refused before parsing."""
        r = await api.http.post(
            "/v1/nominations",
            content=b"x" * 2_000_000,
            headers={"Authorization": f"Bearer {api.db.token('canbo.ldvl')}"},
        )
        assert r.status_code == 413

    async def test_second_submission_of_same_nominee_is_409(self, api: Api) -> None:
        """The same nominee cannot be nominated twice for one movement and year."""
        body = individual(staff_of("LDVL"))
        assert (await api.call("canbo.ldvl", "POST", "/v1/nominations", body)).status_code == 201
        r = await api.call("canbo.ldvl", "POST", "/v1/nominations", body)
        assert r.status_code == 409
        assert r.json()["code"] == "duplicate"
        assert count_rows(api.db, NominationRow) == 1


class TestIdempotency:
    async def test_retry_with_same_key_and_body_returns_first_response(self, api: Api) -> None:
        """A retried POST with the same Idempotency-Key and body replays the first answer."""
        body = individual(staff_of("LDVL"))
        headers = {"Idempotency-Key": "nop-ho-so-001"}
        first = await api.call("canbo.ldvl", "POST", "/v1/nominations", body, headers=headers)
        again = await api.call("canbo.ldvl", "POST", "/v1/nominations", body, headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        assert count_rows(api.db, NominationRow) == 1

    async def test_same_key_with_another_body_is_409(self, api: Api) -> None:
        """Reusing a key for a different request is refused, and nothing more is stored."""
        headers = {"Idempotency-Key": "nop-ho-so-002"}
        r = await api.call(
            "canbo.ldvl", "POST", "/v1/nominations", individual(staff_of("LDVL")), headers=headers
        )
        assert r.status_code == 201
        r = await api.call(
            "canbo.ldvl",
            "POST",
            "/v1/nominations",
            individual(staff_of("LDVL", 2)),
            headers=headers,
        )
        assert r.status_code == 409
        assert r.json()["code"] == "idempotency_key_reused"
        assert count_rows(api.db, NominationRow) == 1

    async def test_a_key_in_use_by_another_account_is_refused(self, api: Api) -> None:
        """Another account sending a key in use gets 409 naming the header, not the answer."""
        headers = {"Idempotency-Key": "chung"}
        r1 = await api.call(
            "canbo.ldvl", "POST", "/v1/nominations", individual(staff_of("LDVL")), headers=headers
        )
        body = individual(staff_of("GDNN"))
        body["unit"] = "GDNN"
        r2 = await api.call("canbo.gdnn", "POST", "/v1/nominations", body, headers=headers)
        assert (r1.status_code, r2.status_code) == (201, 409)
        assert r2.json()["code"] == "idempotency_key_reused"
        assert r2.json()["errors"][0]["field"] == "Idempotency-Key"
        assert "Idempotent-Replayed" not in r2.headers
        assert count_rows(api.db, NominationRow) == 1

    async def test_review_retried_after_a_lost_answer_is_not_applied_twice(self, api: Api) -> None:
        """The answer of a keyed review was lost before the API remembered it: the retry with
        the same key reaches the workflow with the same update id and gets the first outcome,
        not a refusal and not a second step; without a key it is refused."""
        r = await api.call("canbo.ldvl", "POST", "/v1/nominations", individual(staff_of("LDVL")))
        key = r.json()["id"]
        approve = {"decision": "approve"}
        headers = {"Idempotency-Key": "duyet-don-vi-001"}
        path = f"/v1/nominations/{key}/review"
        first = await api.call("truongphong.ldvl", "POST", path, approve, headers=headers)
        assert first.status_code == 200 and first.json()["stage"] == "office_review"
        steps = count_rows(api.db, NominationStepRow)
        with api.db.uow.session() as session:  # as if the API died before storing the answer
            session.execute(delete(IdempotencyRow))
        again = await api.call("truongphong.ldvl", "POST", path, approve, headers=headers)
        assert again.status_code == 200, again.text
        assert again.json()["stage"] == "office_review"
        assert "Idempotent-Replayed" not in again.headers
        assert count_rows(api.db, NominationStepRow) == steps
        unkeyed = await api.call("truongphong.ldvl", "POST", path, approve)
        # Unkeyed, the same call is a new request: the unit head may no longer act at this stage.
        assert unkeyed.status_code == 403 and unkeyed.json()["code"] == "forbidden"
        assert count_rows(api.db, NominationStepRow) == steps


class TestIdempotentReplay:
    """Replays happen after authentication, for the same account, until the key expires."""

    async def test_keyed_post_without_credentials_is_401_without_reading_the_body(
        self, api: Api
    ) -> None:
        """An Idempotency-Key POST without a token: 401 before a byte of its body is read."""
        taken: list[int] = []

        async def body() -> AsyncIterator[bytes]:
            for _ in range(100):
                taken.append(1)
                yield b"x" * 10_000

        r = await api.http.post(
            "/v1/nominations",
            content=body(),
            headers={"Idempotency-Key": "khong-xac-thuc", "Content-Type": "application/json"},
        )
        assert r.status_code == 401
        assert r.json()["code"] == "unauthenticated"
        assert taken == []
        assert count_rows(api.db, IdempotencyRow) == 0

    async def test_keyed_post_over_the_limit_is_413_and_not_remembered(self, api: Api) -> None:
        """A keyed, authenticated POST whose chunked body passes the limit: 413, nothing kept."""

        async def body() -> AsyncIterator[bytes]:
            for _ in range(20):
                yield b"x" * 100_000

        headers = {
            "Authorization": f"Bearer {api.db.token('canbo.ldvl')}",
            "Idempotency-Key": "qua-lon-001",
            "Content-Type": "application/json",
        }
        r = await api.http.post("/v1/nominations", content=body(), headers=headers)
        assert r.status_code == 413 and r.json()["code"] == "too_large"
        assert count_rows(api.db, IdempotencyRow) == 0

    async def _first(self, api: Api, token: str, key: str) -> tuple[httpx.Response, Any]:
        body = individual(staff_of("LDVL"))
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
        r = await api.http.post("/v1/nominations", json=body, headers=headers)
        assert r.status_code == 201, r.text
        return r, body

    async def test_replay_with_a_revoked_token_is_401(self, api: Api) -> None:
        """The token that made the first request is revoked: its replay is 401, not the answer."""
        token, view = await api.db.uow.run(
            lambda tx: tokens.issue_token(tx, "canbo.ldvl", name="tam-thoi")
        )
        _, body = await self._first(api, token, "thu-hoi-001")
        await api.db.uow.run(lambda tx: tokens.revoke_token(tx, str(view.id)))
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "thu-hoi-001"}
        again = await api.http.post("/v1/nominations", json=body, headers=headers)
        assert again.status_code == 401
        assert "Idempotent-Replayed" not in again.headers
        assert again.json()["code"] == "unauthenticated"

    async def test_replay_by_a_deactivated_account_is_401(self, api: Api) -> None:
        """The account that made the first request is deactivated: its replay is 401."""
        token = api.db.token("canbo.ldvl")
        _, body = await self._first(api, token, "vo-hieu-001")
        await api.db.uow.run(lambda tx: users.deactivate_user(tx, "canbo.ldvl"))
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "vo-hieu-001"}
        again = await api.http.post("/v1/nominations", json=body, headers=headers)
        assert again.status_code == 401
        assert "Idempotent-Replayed" not in again.headers

    async def test_the_same_account_replays_with_another_of_its_tokens(self, api: Api) -> None:
        """Keys belong to the account: a retry with the account's new token gets the answer."""
        first, body = await self._first(api, api.db.token("canbo.ldvl"), "tai-khoan-001")
        token, _ = await api.db.uow.run(lambda tx: tokens.issue_token(tx, "canbo.ldvl", name="moi"))
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "tai-khoan-001"}
        again = await api.http.post("/v1/nominations", json=body, headers=headers)
        assert again.status_code == 201 and again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"

    async def test_an_expired_key_is_a_new_key(self, api: Api) -> None:
        """After the time to live the key is new: the request runs again (here: a duplicate)."""
        token = api.db.token("canbo.ldvl")
        _, body = await self._first(api, token, "het-han-001")
        with api.db.uow.session() as session:  # 25 hours ago (the default time to live is 24)
            session.execute(
                update(IdempotencyRow).values(created_at=datetime.now(UTC) - timedelta(hours=25))
            )
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "het-han-001"}
        again = await api.http.post("/v1/nominations", json=body, headers=headers)
        assert "Idempotent-Replayed" not in again.headers
        assert again.status_code == 409 and again.json()["code"] == "duplicate"
        assert count_rows(api.db, NominationRow) == 1
        with api.db.uow.session() as session:  # the expired answer is gone, the new one kept
            rows = session.scalars(select(IdempotencyRow)).all()
        assert [r.status_code for r in rows] == [409]


class TestListing:
    async def test_cursor_pagination_walks_every_item_once_in_order(self, api: Api) -> None:
        """Pages of 2 with next_cursor cover all nominations once, in a stable order."""
        ids = []
        for i in range(1, 6):
            r = await api.call(
                "canbo.ldvl", "POST", "/v1/nominations", individual(staff_of("LDVL", i))
            )
            ids.append(r.json()["id"])
        seen, cursor = [], None
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await api.call("kiemtoan", "GET", "/v1/nominations", params=params)).json()
            seen += [n["id"] for n in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == ids

    async def test_filters_by_title_and_status(self, api: Api) -> None:
        """title= and status= filter the list; a bad cursor or page size is a 422."""
        await api.call("canbo.ldvl", "POST", "/v1/nominations", individual(staff_of("LDVL", 1)))
        await api.call(
            "canbo.ldvl", "POST", "/v1/nominations", individual(staff_of("LDVL", 2), rating="KHTNV")
        )
        cstdcs = (
            await api.call("kiemtoan", "GET", "/v1/nominations", params={"title": "CSTDCS"})
        ).json()
        assert [n["nominee_code"] for n in cstdcs["items"]] == [staff_of("LDVL", 1)]
        bad = (
            await api.call("kiemtoan", "GET", "/v1/nominations", params={"status": "not_eligible"})
        ).json()
        assert [n["nominee_code"] for n in bad["items"]] == [staff_of("LDVL", 2)]
        assert (
            await api.call("kiemtoan", "GET", "/v1/nominations", params={"cursor": "%%%"})
        ).status_code == 422
        assert (
            await api.call("kiemtoan", "GET", "/v1/nominations", params={"limit": 501})
        ).status_code == 422

    @pytest.mark.parametrize(
        ("path", "kind"), [("/v1/nominations", "n"), ("/v1/audit", "a"), ("/v1/decisions", "d")]
    )
    async def test_cursor_with_an_id_beyond_the_database_is_a_422(
        self, api: Api, path: str, kind: str
    ) -> None:
        """A well-formed cursor whose id no 64-bit column can hold: 422 naming ``cursor``, not 500."""
        forged = base64.urlsafe_b64encode(f"{kind}:{'9' * 30}".encode()).decode().rstrip("=")
        r = await api.call("kiemtoan", "GET", path, params={"cursor": forged})
        assert r.status_code == 422, r.text
        problem = r.json()
        assert problem["detail"] == "cursor: con trỏ trang không hợp lệ."
        assert problem["errors"] == [{"field": "cursor", "message": problem["detail"]}]


class TestEventFeed:
    async def test_feed_lists_each_step_once_and_hides_other_units(self, api: Api) -> None:
        """Polling with next_cursor sees every step once; another unit sees none of them."""
        r = await api.call("canbo.ldvl", "POST", "/v1/nominations", individual(staff_of("LDVL")))
        nid = r.json()["id"]
        page = (await api.call("pipeline.ldvl", "GET", "/v1/events")).json()
        assert [(e["nomination"], e["action"]) for e in page["items"]] == [
            (nid, "submit"),
            (nid, "evaluate"),
        ]
        await api.call(
            "truongphong.ldvl",
            "POST",
            f"/v1/nominations/{nid}/review",
            {"decision": "reject", "reason": "Không đạt"},
        )
        nxt = (
            await api.call(
                "pipeline.ldvl", "GET", "/v1/events", params={"after": page["next_cursor"]}
            )
        ).json()
        assert [(e["type"], e["stage_to"]) for e in nxt["items"]] == [
            ("nomination.decided", "rejected")
        ]
        again = (
            await api.call(
                "pipeline.ldvl", "GET", "/v1/events", params={"after": nxt["next_cursor"]}
            )
        ).json()
        assert again == {"items": [], "next_cursor": nxt["next_cursor"]}
        foreign = (await api.call("canbo.gdnn", "GET", "/v1/events")).json()
        assert foreign["items"] == []


class TestFailedAuthentication:
    async def test_repeated_bad_tokens_are_rate_limited_with_retry_after(self, api: Api) -> None:
        """After 10 failed attempts from one client, the 11th is a 429 problem with Retry-After."""
        codes = []
        for _ in range(11):
            r = await api.http.get("/v1/nominations", headers={"Authorization": "Bearer thd_sai"})
            codes.append(r.status_code)
        assert codes == [401] * 10 + [429]
        assert int(r.headers["Retry-After"]) >= 1
        assert r.json()["code"] == "too_many_requests"


class TestFactsSentAgainKeepTheYear:
    """Issue 16 #9: resubmit and resume-with-facts run the submission's checks again."""

    async def test_resubmit_with_another_year_is_refused_naming_facts_year(self, api: Api) -> None:
        """A returned nomination resubmitted for 2023 in a 2024 movement: 403 on facts.year."""
        body = individual(staff_of("LDVL"))
        nid = (await api.call("canbo.ldvl", "POST", "/v1/nominations", body)).json()["id"]
        r = await api.call(
            "truongphong.ldvl",
            "POST",
            f"/v1/nominations/{nid}/review",
            {"decision": "return", "reason": "Bổ sung minh chứng"},
        )
        assert r.json()["stage"] == "returned", r.text
        facts = {**body["facts"], "year": body["facts"]["year"] - 1}
        r = await api.call(
            "canbo.ldvl", "POST", f"/v1/nominations/{nid}/resubmit", {"facts": facts}
        )
        assert r.status_code == 403, r.text
        assert r.json()["errors"][0]["field"] == "facts.year"
        assert r.json()["detail"].startswith("facts.year: ")
        detail = (await api.call("canbo.ldvl", "GET", f"/v1/nominations/{nid}")).json()
        assert (detail["stage"], detail["facts"]["year"]) == ("returned", body["facts"]["year"])

    async def test_resume_with_facts_of_another_year_is_refused_naming_facts_year(
        self, api: Api
    ) -> None:
        """A held nomination resumed with facts of another year: 403 on facts.year, still held."""
        body = individual(staff_of("LDVL"))
        nid = (await api.call("canbo.ldvl", "POST", "/v1/nominations", body)).json()["id"]
        r = await api.call(
            "vanphong", "POST", f"/v1/nominations/{nid}/hold", {"reason": "Chờ xác minh"}
        )
        assert r.json()["stage"] == "on_hold", r.text
        facts = {**body["facts"], "year": body["facts"]["year"] + 1}
        r = await api.call("vanphong", "POST", f"/v1/nominations/{nid}/resume", {"facts": facts})
        assert r.status_code == 403, r.text
        assert r.json()["errors"][0]["field"] == "facts.year"
        detail = (await api.call("vanphong", "GET", f"/v1/nominations/{nid}")).json()
        assert (detail["stage"], detail["facts"]["year"]) == ("on_hold", body["facts"]["year"])
        r = await api.call(
            "vanphong", "POST", f"/v1/nominations/{nid}/resume", {"facts": body["facts"]}
        )
        assert r.status_code == 200 and r.json()["stage"] == "unit_review", r.text
