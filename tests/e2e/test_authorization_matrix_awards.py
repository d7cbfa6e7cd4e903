"""Every role × the calls after the Director's decision × own/foreign/missing object, against the
real server and worker: a round's documents, the revocation of an award and its decision.

The accounts are those of ``test_authorization_matrix``; the award is the LĐTT of an LDVL nominee
in a round decided through the API. A round's documents are read by the Department's roles
(``policy.ROUND_READERS``); only the Director revokes; the revocation decision is read like the
nomination (the Department's roles, and LDVL's own officer, head and pipeline; another unit's
accounts and the administrator get 404, exactly as for a nomination that does not exist).
"""

from __future__ import annotations

from tests.e2e.test_authorization_matrix import (
    ADMIN,
    EVERYONE,
    HEAD_FOREIGN,
    OFFICER_FOREIGN,
    ROUND_READERS,
    expected_read,
)
from tests.support.api import Api
from tests.support.decided import decided_round
from tests.support.nominations import staff_of

DIRECTOR = "giamdoc"
MISSING_NOMINATION = "NTM-2024_2024_NV999"
MISSING_ROUND = "NTM-2024_2024_dot99"


def round_document(user: str) -> int:
    return 200 if user in ROUND_READERS else 403


def missing_round_document(user: str) -> int:
    return 404 if user in ROUND_READERS else 403


class TestAwardsAuthorizationMatrix:
    async def test_every_role_gets_the_expected_answer_after_the_decision(self, api: Api) -> None:
        """Round documents, revoke and the revocation decision: each role × own/foreign/missing."""
        view = await decided_round(api, [("LDVL", staff_of("LDVL", 4))])
        key = view["key"]
        (item,) = [i for i in view["items"] if i["code"] == "LDTT"]
        nid = item["nomination"]
        revoke = f"/v1/nominations/{nid}/awards/LDTT/revoke"
        revocation = f"/v1/nominations/{nid}/awards/LDTT/revocation"
        missing_revocation = f"/v1/nominations/{MISSING_NOMINATION}/awards/LDTT/revocation"
        reason = {"reason": "Kê khai không trung thực"}
        wrong: list[str] = []

        def check(user: str, what: str, got: int, want: int) -> None:
            if got != want:
                wrong.append(f"{user} {what}: {got} (expected {want})")

        for user in EVERYONE:
            r = await api.call(user, "GET", f"/v1/rounds/{key}/documents/decision?format=html")
            check(user, "GET round document", r.status_code, round_document(user))
            r = await api.call(user, "GET", f"/v1/rounds/{MISSING_ROUND}/documents/decision")
            check(user, "GET missing round's document", r.status_code, missing_round_document(user))
            if user != DIRECTOR:
                r = await api.call(user, "POST", revoke, reason)
                check(user, "POST revoke", r.status_code, 403)
                r = await api.call(
                    user, "POST", f"/v1/nominations/{MISSING_NOMINATION}/awards/LDTT/revoke", reason
                )
                check(user, "POST revoke of a missing nomination", r.status_code, 403)
            # not revoked yet: no revocation decision, for whoever may read the nomination
            r = await api.call(user, "GET", revocation)
            check(user, "GET revocation before revoking", r.status_code, 404)
        assert wrong == []

        # The Director alone revokes: a missing nomination is not found, an empty reason refused.
        r = await api.call(
            DIRECTOR, "POST", f"/v1/nominations/{MISSING_NOMINATION}/awards/LDTT/revoke", reason
        )
        assert r.status_code == 404
        r = await api.call(DIRECTOR, "POST", revoke, {"reason": "   "})
        assert r.status_code == 422, r.text
        r = await api.call(DIRECTOR, "POST", revoke, reason)
        assert r.status_code == 200, r.text
        revoked = r.json()
        assert revoked["revoked"] and revoked["revocation"]["kind"].startswith("revocation-")
        assert revoked["revocation"]["number"].endswith("/QĐ-SLĐTBXH")
        r = await api.call(DIRECTOR, "POST", revoke, reason)
        assert r.status_code == 409  # one award, one revocation decision

        kind = revoked["revocation"]["kind"]
        for user in EVERYONE:
            r = await api.call(user, "GET", f"{revocation}?format=html")
            check(user, "GET revocation", r.status_code, expected_read(user))
            opened = "QUYẾT ĐỊNH" in r.text and "Kê khai không trung thực" in r.text
            if r.status_code == 200 and not opened:
                wrong.append(f"{user} GET revocation: not the revocation decision")
            r = await api.call(user, "GET", missing_revocation)
            check(user, "GET revocation of a missing nomination", r.status_code, 404)
            r = await api.call(user, "GET", f"/v1/rounds/{key}/documents/{kind}?format=html")
            check(user, "GET round document revocation-<id>", r.status_code, round_document(user))
        assert wrong == []

        # Another unit's reviewer learns nothing: the very answer of a nomination that is missing.
        for user in (HEAD_FOREIGN, OFFICER_FOREIGN, ADMIN):
            foreign = await api.call(user, "GET", revocation)
            missing = await api.call(user, "GET", missing_revocation)
            assert (foreign.status_code, foreign.json()["detail"]) == (
                missing.status_code,
                missing.json()["detail"],
            ), user
