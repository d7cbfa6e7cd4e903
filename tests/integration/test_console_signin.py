"""Console sign-in against a real database: password hashes, sessions, CSRF, rate limit, logs."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from tests.support.db import SeededDb
from tests.support.settings import fast_settings
from thidua.adapters.db.models import AuditEntryRow, ConsoleSessionRow, UserPasswordRow
from thidua.app import audit
from thidua.app.accounts import console as console_auth
from thidua.app.accounts.users import deactivate_user
from thidua.domain.refusals import Refusal
from thidua.entrypoints.api.app import create_app

PASSWORD = "mat-khau-rat-dai-1"


@pytest.fixture
def db(seeded_sqlite: SeededDb) -> SeededDb:
    with seeded_sqlite.uow() as tx:
        for user in ("truongphong.ldvl", "vanphong", "kiemtoan", "quantri.quydinh1"):
            console_auth.set_password(tx, user, PASSWORD)
    return seeded_sqlite


@pytest.fixture
async def http(db: SeededDb) -> AsyncIterator[httpx.AsyncClient]:
    settings = fast_settings(db.url, "console-signin")
    settings.api.failed_auth_per_minute = 3
    app = create_app(settings, db.uow, client=None)  # sign-in pages need no Temporal client
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def sign_in(http: httpx.AsyncClient, user: str, password: str) -> httpx.Response:
    form = await http.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    return await http.post(
        "/console/login",
        data={"username": user, "password": password, "csrf_token": token.group(1)},
    )


class TestPasswords:
    def test_hashes_are_salted_argon2id_and_verify_only_the_password(self) -> None:
        """Two hashes of one password differ (per-user salt); only that password verifies."""
        a, b = console_auth.hash_password(PASSWORD), console_auth.hash_password(PASSWORD)
        assert a != b and a.startswith("$argon2id$v=19$m=19456,t=2,p=1$") and PASSWORD not in a
        assert console_auth.verify_password(PASSWORD, a)
        assert not console_auth.verify_password(PASSWORD + "x", a)
        assert not console_auth.verify_password(PASSWORD, "không-phải-mã-băm")

    def test_short_passwords_are_refused_naming_the_field(self, db: SeededDb) -> None:
        """A password under 10 characters is refused naming the password field."""
        with db.uow() as tx, pytest.raises(Refusal, match="ít nhất 10 ký tự") as info:
            console_auth.set_password(tx, "giamdoc", "ngan")
        assert info.value.field == "password"

    def test_only_the_hash_is_stored(self, db: SeededDb) -> None:
        """The database holds the hash, never the password."""
        with db.uow.session() as session:
            rows = session.scalars(select(UserPasswordRow.password_hash)).all()
        assert len(rows) == 4 and all(PASSWORD not in h for h in rows)

    def test_a_deactivated_account_cannot_sign_in(self, db: SeededDb) -> None:
        """Credentials of a deactivated account resolve to nobody."""
        with db.uow() as tx:
            assert console_auth.check_credentials(tx, "vanphong", PASSWORD) is not None
            deactivate_user(tx, "vanphong")
        with db.uow() as tx:
            assert console_auth.check_credentials(tx, "vanphong", PASSWORD) is None


class TestSessions:
    def test_expired_sessions_and_changed_passwords_end_the_session(self, db: SeededDb) -> None:
        """An expired session resolves to nobody; setting a new password ends open sessions."""
        with db.uow() as tx:
            sid = console_auth.open_session(tx, "kiemtoan")
        with db.uow() as tx:
            resolved = console_auth.resolve_session(tx, sid)
            assert resolved is not None and resolved.actor.username == "kiemtoan"
            row = tx.session.scalars(select(ConsoleSessionRow)).one()
            row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        with db.uow() as tx:
            assert console_auth.resolve_session(tx, sid) is None
            sid2 = console_auth.open_session(tx, "kiemtoan")
            console_auth.set_password(tx, "kiemtoan", PASSWORD + "-moi")
        with db.uow() as tx:
            assert console_auth.resolve_session(tx, sid2) is None


class TestSignInPages:
    async def test_sign_in_sets_an_httponly_lax_cookie_and_signs_out(
        self, http: httpx.AsyncClient
    ) -> None:
        """A good password opens the inbox; the cookie is HttpOnly, SameSite=Lax; sign-out ends it."""
        r = await sign_in(http, "truongphong.ldvl", PASSWORD)
        assert r.status_code == 303 and r.headers["location"] == "/console/inbox"
        cookie = next(h for h in r.headers.get_list("set-cookie") if "thidua_session=" in h)
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        inbox = await http.get("/console/inbox")
        assert inbox.status_code == 200 and "Việc của tôi" in inbox.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', inbox.text)
        assert token is not None
        out = await http.post("/console/logout", data={"csrf_token": token.group(1)})
        assert out.status_code == 303
        again = await http.get("/console/inbox")
        assert again.status_code == 303 and "/console/login" in again.headers["location"]

    async def test_login_form_without_its_csrf_token_is_refused(
        self, http: httpx.AsyncClient
    ) -> None:
        """Posting the login form without the form's token signs nobody in."""
        r = await http.post("/console/login", data={"username": "vanphong", "password": PASSWORD})
        assert r.status_code == 400 and "thidua_session" not in r.headers.get("set-cookie", "")

    async def test_failed_sign_ins_are_rate_limited_and_passwords_never_logged(
        self,
        http: httpx.AsyncClient,
        caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """After 3 failures the form answers 429 with Retry-After, even for the right password;
        no password appears in the logs."""
        caplog.set_level(logging.DEBUG)
        for _ in range(3):
            r = await sign_in(http, "vanphong", "doan-sai-mat-khau")
            assert r.status_code == 401 and "không đúng" in r.text
        r = await sign_in(http, "vanphong", PASSWORD)
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert "thử lại sau" in r.text
        out = capsys.readouterr()
        logged = "\n".join(rec.getMessage() + str(rec.__dict__) for rec in caplog.records)
        logged += out.out + out.err
        assert "doan-sai-mat-khau" not in logged and PASSWORD not in logged
        assert "console sign-in failed" in logged

    async def test_pages_redirect_to_sign_in_and_come_back(self, http: httpx.AsyncClient) -> None:
        """An anonymous visit goes to the sign-in page, then back to the page asked for."""
        r = await http.get("/console/dashboard")
        assert r.status_code == 303
        assert r.headers["location"] == "/console/login?next=%2Fconsole%2Fdashboard"
        form = await http.get(r.headers["location"])
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None and 'value="/console/dashboard"' in form.text
        done = await http.post(
            "/console/login",
            data={
                "username": "kiemtoan",
                "password": PASSWORD,
                "csrf_token": token.group(1),
                "next": "/console/dashboard",
            },
        )
        assert done.headers["location"] == "/console/dashboard"
        page = await http.get("/console/dashboard")
        assert page.status_code == 200 and page.text.count('<svg class="chart"') == 4

    async def test_the_audit_log_follows_the_api_readers(self, http: httpx.AsyncClient) -> None:
        """As in the API: a unit head gets 403; a rules admin lists entries without running the
        verification; an auditor sees the chain verified."""
        await sign_in(http, "truongphong.ldvl", PASSWORD)
        r = await http.get("/console/audit")
        assert r.status_code == 403 and "nhật ký kiểm toán" in r.text
        assert (await http.get("/console/audit/export")).status_code == 403
        http.cookies.clear()
        await sign_in(http, "quantri.quydinh1", PASSWORD)
        r = await http.get("/console/audit")
        assert r.status_code == 200 and "Chỉ kiểm toán viên" in r.text
        http.cookies.clear()
        await sign_in(http, "kiemtoan", PASSWORD)
        r = await http.get("/console/audit")
        assert r.status_code == 200 and "Chuỗi băm toàn vẹn" in r.text


class TestSetPasswordCommand:
    def test_set_password_reads_stdin_and_refuses_bad_input_by_name(
        self, seeded_sqlite: SeededDb, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`thidua users set-password` stores a usable hash; a short password or an unknown
        account exits 2 naming PASSWORD / USERNAME, and the password is never echoed."""
        from typer.testing import CliRunner

        from thidua.config import get_settings
        from thidua.entrypoints.cli.accounts import users_app

        monkeypatch.setenv("THIDUA_DATABASE__URL", seeded_sqlite.url)
        monkeypatch.setattr(
            "thidua.entrypoints.cli._common.configure_logging", lambda *a, **k: None
        )
        get_settings.cache_clear()
        runner = CliRunner()
        try:
            ok = runner.invoke(
                users_app, ["set-password", "giamdoc", "--password-stdin"], input=PASSWORD + "\n"
            )
            assert ok.exit_code == 0, ok.output
            assert "giamdoc" in ok.output and PASSWORD not in ok.output
            with seeded_sqlite.uow() as tx:
                session = tx.session
                assert console_auth.check_credentials(tx, "giamdoc", PASSWORD) is not None
                # Audited with the operator, never with the password or its hash.
                entry = session.scalars(
                    select(AuditEntryRow)
                    .where(AuditEntryRow.action == "user.password_set")
                    .where(AuditEntryRow.object_id == "giamdoc")
                    .order_by(AuditEntryRow.seq.desc())
                ).first()
                assert entry is not None and (entry.actor or "").startswith("os:")
                assert entry.actor_role == "operator"
                assert PASSWORD not in json.dumps([entry.before, entry.after])
                assert audit.verify(tx).ok
            short = runner.invoke(
                users_app, ["set-password", "giamdoc", "--password-stdin"], input="ngan\n"
            )
            assert short.exit_code == 2 and "PASSWORD" in short.output
            unknown = runner.invoke(
                users_app, ["set-password", "khong.co", "--password-stdin"], input=PASSWORD + "\n"
            )
            assert unknown.exit_code == 2 and "USERNAME" in unknown.output
        finally:
            get_settings.cache_clear()


class TestMissingObjects:
    async def test_unknown_objects_are_404_pages_in_vietnamese(
        self, http: httpx.AsyncClient
    ) -> None:
        """Unknown or malformed ids give a 404 page, never a traceback or a JSON error."""
        await sign_in(http, "kiemtoan", PASSWORD)
        for path in (
            "/console/decisions/abc",
            "/console/decisions/999999",
            "/console/nominations/khong-co",
            "/console/rules/khong-co/9",
        ):
            r = await http.get(path)
            assert r.status_code == 404, path
            assert "text/html" in r.headers["content-type"] and "Không" in r.text, path
