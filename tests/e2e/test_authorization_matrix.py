"""Every role × endpoint × own/foreign object, against the real server and worker."""

from __future__ import annotations

from typing import Any

from tests.support.api import Api
from tests.support.nominations import individual, staff_of

# Accounts: own = the LDVL nomination's unit; foreign = another unit's accounts.
OFFICER, OFFICER_FOREIGN = "canbo.ldvl", "canbo.gdnn"
HEAD, HEAD_FOREIGN = "truongphong.ldvl", "truongphong.gdnn"
PIPELINE = "pipeline.ldvl"
DEPARTMENT = ["vanphong", "thuky.hoidong", "giamdoc", "quantri.quydinh1", "kiemtoan"]
ADMIN = "quantri.hethong"  # the agency's data and accounts: no unit, so no nomination
EVERYONE = [OFFICER, OFFICER_FOREIGN, HEAD, HEAD_FOREIGN, PIPELINE, *DEPARTMENT, ADMIN]


def expected_read(user: str) -> int:
    return 404 if user in (OFFICER_FOREIGN, HEAD_FOREIGN, ADMIN) else 200


# Expected answers on a nomination of LDVL that waits in unit review.
# (Allowed calls that would change it are made once at the end, by their one allowed role.)
MUTATIONS: dict[str, dict[str, int]] = {
    "review": {
        OFFICER: 403,
        OFFICER_FOREIGN: 404,
        HEAD_FOREIGN: 404,
        PIPELINE: 403,
        "vanphong": 403,
        "thuky.hoidong": 403,
        "giamdoc": 403,
        "quantri.quydinh1": 403,
        "kiemtoan": 403,
        ADMIN: 404,
    },
    "resubmit": {
        OFFICER: 409,
        OFFICER_FOREIGN: 404,
        HEAD: 403,
        HEAD_FOREIGN: 404,
        PIPELINE: 409,
        "vanphong": 403,
        "thuky.hoidong": 403,
        "giamdoc": 403,
        "quantri.quydinh1": 403,
        "kiemtoan": 403,
        ADMIN: 404,
    },
    "hold": {
        OFFICER: 403,
        OFFICER_FOREIGN: 404,
        HEAD_FOREIGN: 404,
        PIPELINE: 403,
        "thuky.hoidong": 403,
        "quantri.quydinh1": 403,
        "kiemtoan": 403,
        ADMIN: 404,
    },
    "resume": {
        OFFICER: 403,
        OFFICER_FOREIGN: 404,
        HEAD: 403,
        HEAD_FOREIGN: 404,
        PIPELINE: 403,
        "vanphong": 409,
        "thuky.hoidong": 403,
        "giamdoc": 409,
        "quantri.quydinh1": 403,
        "kiemtoan": 403,
        ADMIN: 404,
    },
}
SUBMIT = {
    OFFICER_FOREIGN: 403,
    HEAD: 403,
    HEAD_FOREIGN: 403,
    "vanphong": 403,
    "thuky.hoidong": 403,
    "giamdoc": 403,
    "quantri.quydinh1": 403,
    "kiemtoan": 403,
    ADMIN: 403,
}
ROUND_READERS = {"vanphong", "thuky.hoidong", "giamdoc", "quantri.quydinh1", "kiemtoan"}


def body_for(action: str, nomination: dict[str, Any]) -> dict[str, Any]:
    return {
        "review": {"decision": "approve"},
        "resubmit": {"facts": nomination["facts"]},
        "hold": {"reason": "Đang xác minh đơn thư"},
        "resume": {"reason": "Đã làm rõ"},
    }[action]


class TestAuthorizationMatrix:
    async def test_every_role_gets_the_expected_answer_on_every_endpoint(self, api: Api) -> None:
        """Reads, commands, submission, rounds and events: each role × own/foreign answer is right."""
        r = await api.call(OFFICER, "POST", "/v1/nominations", individual(staff_of("LDVL", 1)))
        assert r.status_code == 201
        nomination = r.json()
        nid = nomination["id"]
        wrong: list[str] = []

        def check(user: str, what: str, got: int, want: int) -> None:
            if got != want:
                wrong.append(f"{user} {what}: {got} (expected {want})")

        for user in EVERYONE:
            r = await api.call(user, "GET", f"/v1/nominations/{nid}")
            check(user, "GET nomination", r.status_code, expected_read(user))
            r = await api.call(user, "GET", f"/v1/nominations/{nid}/workflow")
            check(user, "GET workflow", r.status_code, expected_read(user))
            r = await api.call(user, "GET", f"/v1/nominations/{nid}/achievement-report")
            check(user, "GET achievement report", r.status_code, expected_read(user))
            r = await api.call(user, "GET", "/v1/nominations")
            visible = [n["id"] for n in r.json()["items"]] if r.status_code == 200 else None
            check(user, "GET list", r.status_code, 200)
            if visible is not None and (nid in visible) != (expected_read(user) == 200):
                wrong.append(f"{user} GET list: visibility of the nomination is wrong")
            r = await api.call(user, "GET", "/v1/events")
            check(user, "GET events", r.status_code, 200)
            r = await api.call(user, "GET", "/v1/rounds")
            check(user, "GET rounds", r.status_code, 200 if user in ROUND_READERS else 403)
            for action, table in MUTATIONS.items():
                if user in table:
                    r = await api.call(
                        user,
                        "POST",
                        f"/v1/nominations/{nid}/{action}",
                        body_for(action, nomination),
                    )
                    check(user, f"POST {action}", r.status_code, table[user])
            if user in SUBMIT:
                unit = "GDNN" if user == OFFICER_FOREIGN else "LDVL"
                body = individual(staff_of(unit, 2))
                body["unit"] = unit if user != OFFICER_FOREIGN else "LDVL"
                r = await api.call(user, "POST", "/v1/nominations", body)
                check(user, "POST nomination", r.status_code, SUBMIT[user])
            if user != "vanphong":
                r = await api.call(
                    user,
                    "POST",
                    "/v1/rounds",
                    {
                        "movement": "NTM-2024",
                        "year": 2024,
                        "closes_at": "2030-01-01T00:00:00+07:00",
                    },
                )
                check(user, "POST round", r.status_code, 403)
        assert wrong == []

        # The allowed calls, once each, by their role.
        r = await api.call(PIPELINE, "POST", "/v1/nominations", individual(staff_of("LDVL", 3)))
        assert r.status_code == 201
        r = await api.call(HEAD, "POST", f"/v1/nominations/{nid}/hold", {"reason": "Xác minh"})
        assert (r.status_code, r.json()["stage"]) == (200, "on_hold")
        r = await api.call("vanphong", "POST", f"/v1/nominations/{nid}/resume", {})
        assert (r.status_code, r.json()["stage"]) == (200, "unit_review")
        r = await api.call(HEAD, "POST", f"/v1/nominations/{nid}/review", {"decision": "approve"})
        assert (r.status_code, r.json()["stage"]) == (200, "office_review")
        r = await api.call(
            "vanphong",
            "POST",
            "/v1/rounds",
            {"movement": "NTM-2024", "year": 2024, "closes_at": "2030-01-01T00:00:00+07:00"},
        )
        assert r.status_code == 201
        round_key = r.json()["key"]
        choice = {"nomination": nid, "initiative": "sk-1", "award": "CSTDCS"}
        for user in EVERYONE:  # the Office's choice of an initiative's award: the Office only
            r = await api.call(user, "POST", f"/v1/rounds/{round_key}/initiative-choices", choice)
            want = 409 if user == "vanphong" else 403  # the Office: not before the closing
            check(user, "POST initiative choice", r.status_code, want)
        assert wrong == []
