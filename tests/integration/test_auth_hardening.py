"""Issue 16 #4, #5, #10, #14: sign-in throttling that cannot be raced nor lock the owner out,
trusted proxies, security events in the audit log, argon2id with the re-hash of old hashes.

Every client here is an in-process ASGI transport; the addresses are loopback ones written into
the request scope (no connection is opened).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import select

from tests.support.db import SeededDb
from tests.support.settings import fast_settings
from thidua.adapters.db.models import AuditEntryRow, UserPasswordRow, UserRow
from thidua.app import audit
from thidua.app.accounts import console as console_auth
from thidua.config import Settings
from thidua.entrypoints.api.app import create_app

PASSWORD = "mat-khau-rat-dai-1"
WRONG = "doan-sai-mat-khau"
CSRF = "csrf-cua-bieu-mau"


@pytest.fixture
def db(seeded_sqlite: SeededDb) -> SeededDb:
    with seeded_sqlite.uow() as tx:
        for user in ("vanphong", "kiemtoan", "truongphong.ldvl"):
            console_auth.set_password(tx, user, PASSWORD)
    return seeded_sqlite


def _settings(db: SeededDb, **api: object) -> Settings:
    settings = fast_settings(db.url, "auth-hardening")
    for name, value in api.items():
        setattr(settings.api, name, value)
    return settings


@asynccontextmanager
async def _client(app: object, address: str, **kw: object) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://test", **kw) as c:  # type: ignore[arg-type]
        yield c


async def _sign_in(
    http: httpx.AsyncClient, user: str, password: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    """One sign-in post with its own CSRF pair (the cookie and the field agree)."""
    return await http.post(
        "/console/login",
        data={"username": user, "password": password, "csrf_token": CSRF},
        headers={"Cookie": f"thidua_login_csrf={CSRF}", **(headers or {})},
    )


def _security_entries(db: SeededDb, action: str) -> list[AuditEntryRow]:
    with db.uow.session() as session:
        return list(
            session.scalars(
                select(AuditEntryRow)
                .where(AuditEntryRow.action == action)
                .order_by(AuditEntryRow.seq)
            )
        )


class TestConcurrentGuesses:
    async def test_60_concurrent_wrong_passwords_get_429_beyond_the_limit_and_the_owner_signs_in(
        self, db: SeededDb
    ) -> None:
        """Issue 16 #4/#5: 60 concurrent wrong passwords for one account from one address with a
        limit of 10: at most 10 are checked (401), the rest 429 with Retry-After; the owner then
        signs in from another address."""
        app = create_app(_settings(db, failed_auth_per_minute=10), db.uow, client=None)
        async with _client(app, "127.0.0.66") as attacker:
            answers = await asyncio.gather(
                *(_sign_in(attacker, "vanphong", WRONG) for _ in range(60))
            )
            codes = [r.status_code for r in answers]
            assert codes.count(401) <= 10 and codes.count(429) >= 50, codes
            assert set(codes) <= {401, 429}
            limited = next(r for r in answers if r.status_code == 429)
            assert int(limited.headers["retry-after"]) >= 1 and "thử lại sau" in limited.text
            # The right password from the attacking address waits too (the key is throttled).
            assert (await _sign_in(attacker, "vanphong", PASSWORD)).status_code == 429
        async with _client(app, "127.0.0.7") as owner:
            r = await _sign_in(owner, "vanphong", PASSWORD)
            assert r.status_code == 303 and r.headers["location"] == "/console/inbox"

    async def test_another_account_from_the_throttled_address_is_not_locked(
        self, db: SeededDb
    ) -> None:
        """Failures for one account from an address do not stop another account from it (the
        key is the account and the address); a success resets that key's failures."""
        app = create_app(_settings(db, failed_auth_per_minute=3), db.uow, client=None)
        async with _client(app, "127.0.0.8") as http:
            for _ in range(3):
                assert (await _sign_in(http, "vanphong", WRONG)).status_code == 401
            assert (await _sign_in(http, "vanphong", WRONG)).status_code == 429
            assert (await _sign_in(http, "kiemtoan", PASSWORD)).status_code == 303
            for _ in range(2):
                assert (await _sign_in(http, "kiemtoan", WRONG)).status_code == 401
            assert (await _sign_in(http, "kiemtoan", PASSWORD)).status_code == 303
            for _ in range(2):  # the success forgot the two failures
                assert (await _sign_in(http, "kiemtoan", WRONG)).status_code == 401

    async def test_spraying_many_accounts_from_one_address_is_capped(self, db: SeededDb) -> None:
        """One wrong password for each of many accounts from one address: past the per-address
        cap the address gets 429, while another address is unaffected."""
        app = create_app(
            _settings(db, failed_auth_per_minute=10, failed_signins_per_address=5),
            db.uow,
            client=None,
        )
        async with _client(app, "127.0.0.9") as sprayer:
            codes = [
                (await _sign_in(sprayer, f"nguoi.dung{i}", WRONG)).status_code for i in range(8)
            ]
            assert codes == [401] * 5 + [429] * 3
        async with _client(app, "127.0.0.10") as other:
            assert (await _sign_in(other, "vanphong", PASSWORD)).status_code == 303


class TestTrustedProxies:
    async def test_forwarded_for_is_honoured_only_from_a_trusted_proxy(self, db: SeededDb) -> None:
        """Issue 16 #5: behind a trusted proxy each client has its own address (the right-most
        untrusted X-Forwarded-For entry, not a spoofed left one); from an untrusted peer the
        header is ignored."""
        settings = _settings(db, failed_auth_per_minute=3, trusted_proxies=["127.0.0.200/32"])
        app = create_app(settings, db.uow, client=None)
        async with _client(app, "127.0.0.200") as proxy:
            spoofed_then_a = {"X-Forwarded-For": "127.0.0.77, 127.0.0.21"}
            for _ in range(3):
                r = await _sign_in(proxy, "vanphong", WRONG, spoofed_then_a)
                assert r.status_code == 401
            assert (await _sign_in(proxy, "vanphong", WRONG, spoofed_then_a)).status_code == 429
            # Another client behind the same proxy is its own key.
            client_b = {"X-Forwarded-For": "127.0.0.22"}
            assert (await _sign_in(proxy, "vanphong", PASSWORD, client_b)).status_code == 303
        failed = _security_entries(db, "security.signin_failed")
        assert {e.after["address"] for e in failed if e.after} == {"127.0.0.21"}
        signed = _security_entries(db, "security.signin")
        assert signed[-1].after is not None and signed[-1].after["address"] == "127.0.0.22"
        async with _client(app, "127.0.0.31") as untrusted:
            r = await _sign_in(untrusted, "kiemtoan", WRONG, {"X-Forwarded-For": "127.0.0.23"})
            assert r.status_code == 401
        last = _security_entries(db, "security.signin_failed")[-1]
        assert last.after is not None and last.after["address"] == "127.0.0.31"


class TestSecurityEventsAudited:
    async def test_sign_ins_failures_bad_tokens_and_403s_are_audited_without_secrets(
        self, db: SeededDb
    ) -> None:
        """Issue 16 #10: a console sign-in, a failed one, a failed API authentication and 403
        refusals (API and console) are audit entries with actor, address and reason; never the
        password or the token; the chain stays valid."""
        app = create_app(_settings(db), db.uow, client=None)
        bad_token = "thd_abcdefSECRETPARTofatoken"
        async with _client(app, "127.0.0.40") as http:
            assert (await _sign_in(http, "kiemtoan", WRONG)).status_code == 401
            assert (await _sign_in(http, "truongphong.ldvl", PASSWORD)).status_code == 303
            assert (await http.get("/console/audit")).status_code == 403
            r = await http.get("/v1/audit", headers={"Authorization": f"Bearer {bad_token}"})
            assert r.status_code == 401
            unit_head = db.token("truongphong.ldvl")
            r = await http.get("/v1/audit", headers={"Authorization": f"Bearer {unit_head}"})
            assert r.status_code == 403
        failed = _security_entries(db, "security.signin_failed")[-1]
        assert failed.object_id == "kiemtoan" and failed.actor is None
        assert failed.after == {"address": "127.0.0.40", "reason": "bad_credentials"}
        signin = _security_entries(db, "security.signin")[-1]
        assert signin.actor == "truongphong.ldvl" and signin.actor_role == "unit_head"
        auth = _security_entries(db, "security.auth_failed")[-1]
        assert auth.object_id == "127.0.0.40" and auth.after is not None
        assert auth.after["token_prefix"] == "thd_abcdef" and auth.after["path"] == "/v1/audit"
        forbidden = _security_entries(db, "security.forbidden")
        assert [e.object_id for e in forbidden] == ["GET /console/audit", "GET /v1/audit"]
        assert all(e.actor == "truongphong.ldvl" for e in forbidden)
        assert all(e.after and e.after["address"] == "127.0.0.40" for e in forbidden)
        with db.uow.session() as session:
            rows = session.scalars(
                select(AuditEntryRow).where(AuditEntryRow.object_type == "security")
            ).all()
        dumped = json.dumps([[r.object_id, r.before, r.after] for r in rows], ensure_ascii=False)
        assert PASSWORD not in dumped and WRONG not in dumped and "SECRETPART" not in dumped
        with db.uow() as tx:
            assert audit.verify(tx).ok

    async def test_a_flood_of_bad_tokens_writes_a_bounded_number_of_entries(
        self, db: SeededDb
    ) -> None:
        """40 bad tokens from one address with a limit of 10 failures: 10 are audited, the 30
        answered 429 are only logged."""
        app = create_app(_settings(db, failed_auth_per_minute=10), db.uow, client=None)
        async with _client(app, "127.0.0.41") as http:
            codes = [
                (
                    await http.get("/v1/audit", headers={"Authorization": f"Bearer thd_x{i:06d}"})
                ).status_code
                for i in range(40)
            ]
        assert codes == [401] * 10 + [429] * 30
        entries = [
            e
            for e in _security_entries(db, "security.auth_failed")
            if e.after and e.after["address"] == "127.0.0.41"
        ]
        assert len(entries) == 10


class TestPasswordHashUpgrade:
    async def test_an_old_scrypt_hash_verifies_and_is_replaced_by_argon2id(
        self, db: SeededDb
    ) -> None:
        """Issue 16 #14: a password stored by an older release (scrypt N=2^14) still signs in,
        and the stored hash is then argon2id at the guidance cost; it still verifies."""
        with db.uow() as tx:
            user_id = tx.session.scalars(
                select(UserRow.id).where(UserRow.username == "vanphong")
            ).one()
            row = tx.session.get(UserPasswordRow, user_id)
            assert row is not None
            row.password_hash = console_auth.hash_password_scrypt(PASSWORD)
        app = create_app(_settings(db), db.uow, client=None)
        async with _client(app, "127.0.0.50") as http:
            assert (await _sign_in(http, "vanphong", PASSWORD)).status_code == 303
        with db.uow.session() as session:
            stored = session.get(UserPasswordRow, user_id)
            assert stored is not None
            assert stored.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
            assert console_auth.verify_password(PASSWORD, stored.password_hash)
        async with _client(app, "127.0.0.50") as http:
            assert (await _sign_in(http, "vanphong", PASSWORD)).status_code == 303

    def test_only_weaker_hashes_need_a_rehash(self) -> None:
        """scrypt and a cheaper argon2id need a re-hash; a hash at the configured cost does not;
        a cheaper configured cost never downgrades a stronger stored hash."""
        current = console_auth.hash_password(PASSWORD)
        assert not console_auth.needs_rehash(current)
        assert console_auth.needs_rehash(console_auth.hash_password_scrypt(PASSWORD))
        cheap = console_auth.HashingCost(memory_kib=1024, time_cost=1)
        try:
            console_auth.configure_hashing(cheap)
            weak = console_auth.hash_password(PASSWORD)
            assert console_auth.verify_password(PASSWORD, weak)
            assert not console_auth.needs_rehash(current)
        finally:
            console_auth.configure_hashing(console_auth.HashingCost())
        assert console_auth.needs_rehash(weak)
