"""The development and production profiles (``THIDUA_ENV``): what a first start creates and
prints, the API docs, the console's cookies, token expiry and the files' permissions."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from structlog.testing import capture_logs
from typer.testing import CliRunner

from tests.support.db import SeededDb, sqlite_url
from tests.support.settings import fast_settings
from thidua.adapters.db.models import ApiTokenRow
from thidua.adapters.db.session import make_engine
from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.app.accounts import console as console_auth
from thidua.app.accounts.tokens import hash_token
from thidua.app.accounts.users import deactivate_user, list_users
from thidua.app.seed import has_data
from thidua.config import PRODUCTION_TOKEN_LIFETIME_DAYS, ApiSettings, Settings, get_settings
from thidua.entrypoints.api.app import create_app
from thidua.entrypoints.cli.accounts import tokens_app, users_app
from thidua.entrypoints.private_files import make_private
from thidua.entrypoints.up import _banner, has_accounts, live_sample_accounts, prepare_database

TOKEN_RE = re.compile(r"thd_[A-Za-z0-9_-]{20,}")
PASSWORD = "mat-khau-rat-dai-1"
runner = CliRunner()


def settings_in(root: Path, **values: Any) -> Settings:
    """Settings of a private ``thidua up`` keeping its data in ``root/var``."""
    var = root / "var"
    return Settings(var_dir=var, database={"url": sqlite_url(var)}, **values)


def db_state(settings: Settings) -> tuple[int, bool]:
    """How many accounts the database has, and whether it has any unit."""
    uow = SqlUnitOfWork(make_engine(settings.database.url))
    try:
        with uow() as tx:
            return len(list_users(tx)), has_data(tx)
    finally:
        uow.engine.dispose()


@pytest.fixture
def restore_umask() -> Iterator[None]:
    """``make_private`` sets the process's umask: put the test process's one back."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def operator_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The operator commands on a fresh production database under ``tmp_path``."""
    settings = settings_in(tmp_path, env="production")
    prepare_database(settings)
    monkeypatch.setenv("THIDUA_ENV", "production")
    monkeypatch.setenv("THIDUA_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("THIDUA_DATABASE__URL", settings.database.url)
    # The CLI configures logging to CliRunner's stderr, closed after each invoke.
    monkeypatch.setattr("thidua.entrypoints.cli._common.configure_logging", lambda *a, **k: None)
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


async def sign_in(http: httpx.AsyncClient, user: str) -> tuple[httpx.Response, httpx.Response]:
    """The login form and the sign-in's answer (over plain http)."""
    form = await http.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    # Sent back by hand: a client on http does not return a cookie marked Secure.
    done = await http.post(
        "/console/login",
        data={"username": user, "password": PASSWORD, "csrf_token": token.group(1)},
        headers={"Cookie": f"thidua_login_csrf={token.group(1)}"},
    )
    return form, done


@pytest.fixture
def signin_db(seeded_sqlite: SeededDb) -> SeededDb:
    with seeded_sqlite.uow() as tx:
        console_auth.set_password(tx, "vanphong", PASSWORD)
    return seeded_sqlite


@pytest.fixture
def app_for(signin_db: SeededDb) -> Any:
    """``app_for(**settings)``: an in-process client on the app with those settings."""

    def factory(**values: Any) -> Any:
        settings = fast_settings(signin_db.url, "profiles").model_copy(update=values)
        app = create_app(settings, signin_db.uow, client=None)  # no Temporal needed here
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")

    return factory


@pytest.fixture
async def production_http(app_for: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with app_for(env="production") as http:
        yield http


@pytest.fixture
async def development_http(app_for: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with app_for() as http:
        yield http


class TestProductionProfile:
    def test_fresh_database_has_no_account_and_no_sample_data(self, tmp_path: Path) -> None:
        """A first start in production creates the schema only: zero accounts, no unit."""
        settings = settings_in(tmp_path, env="production")
        assert prepare_database(settings) == []
        assert db_state(settings) == (0, False)
        assert not (settings.var_dir / "sample-accounts.json").exists()

    def test_sample_data_asked_for_is_refused_with_a_clear_message(self, tmp_path: Path) -> None:
        """THIDUA_LOAD_SAMPLE_DATA=true in production stops the start, naming both settings."""
        settings = settings_in(tmp_path, env="production", load_sample_data=True)
        with pytest.raises(RuntimeError, match=r"THIDUA_LOAD_SAMPLE_DATA=true.*THIDUA_ENV"):
            prepare_database(settings)
        assert not Path(settings.database.url.removeprefix("sqlite:///")).exists()

    def test_a_development_database_started_in_production_warns_of_sample_accounts(
        self, tmp_path: Path
    ) -> None:
        """Sample accounts left with live tokens are named in the production banner, once
        deactivated they are not; no sample data is added."""
        created = prepare_database(settings_in(tmp_path))
        settings = settings_in(tmp_path, env="production")
        assert prepare_database(settings) == []
        left = live_sample_accounts(settings)
        assert len(left) == len(created) and "giamdoc" in left
        assert "CẢNH BÁO: 28 tài khoản mẫu" in _banner(settings, [], sample_left=left)
        uow = SqlUnitOfWork(make_engine(settings.database.url))
        with uow() as tx:
            for name in left:
                deactivate_user(tx, name)
        uow.engine.dispose()
        assert live_sample_accounts(settings) == []

    async def test_api_docs_and_openapi_document_are_404(
        self, production_http: httpx.AsyncClient
    ) -> None:
        """/docs, /redoc and /openapi.json are not served in production."""
        for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
            assert (await production_http.get(path)).status_code == 404, path

    async def test_console_cookies_are_secure_over_plain_http(
        self, production_http: httpx.AsyncClient
    ) -> None:
        """Behind TLS termination the request is http: the cookies still carry Secure."""
        form, done = await sign_in(production_http, "vanphong")
        assert done.status_code == 303, done.text
        login_csrf = form.headers["set-cookie"]
        session = next(c for c in done.headers.get_list("set-cookie") if "thidua_session" in c)
        assert "secure" in login_csrf.lower()
        assert "secure" in session.lower() and "httponly" in session.lower()

    def test_token_created_without_expiry_expires_after_the_default_lifetime(
        self, operator_cli: Settings
    ) -> None:
        """`tokens create` without --expires-in-days gives a token expiring in 90 days."""
        runner.invoke(users_app, ["create", "quantri", "--role", "admin"], catch_exceptions=False)
        result = runner.invoke(tokens_app, ["create", "quantri"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        [token] = TOKEN_RE.findall(result.stdout)
        uow = SqlUnitOfWork(make_engine(operator_cli.database.url))
        with uow.session() as session:
            row = session.scalars(
                select(ApiTokenRow).where(ApiTokenRow.token_hash == hash_token(token))
            ).one()
            expires = row.expires_at
        uow.engine.dispose()
        assert expires is not None
        expected = datetime.now(UTC) + timedelta(days=PRODUCTION_TOKEN_LIFETIME_DAYS)
        assert abs(expires.replace(tzinfo=UTC) - expected) < timedelta(minutes=5)
        assert expected.strftime("%Y-%m-%d") in result.stderr

    def test_first_admin_credential_is_printed_once_and_never_at_later_starts(
        self, operator_cli: Settings
    ) -> None:
        """Fresh start: a hint and no credential; the operator's admin token is printed once by
        `tokens create`; the next start prints no credential and no hint."""
        settings = operator_cli
        first = _banner(settings, [], no_accounts=not has_accounts(settings))
        assert "Chưa có tài khoản nào" in first and "--role admin" in first
        assert not TOKEN_RE.search(first)

        created = runner.invoke(
            users_app, ["create", "quantri", "--role", "admin"], catch_exceptions=False
        )
        assert created.exit_code == 0, created.output
        issued = runner.invoke(tokens_app, ["create", "quantri"], catch_exceptions=False)
        assert len(TOKEN_RE.findall(issued.stdout)) == 1
        assert "không được hiển thị lại" in issued.stderr
        assert db_state(settings) == (1, False)

        with capture_logs() as logs:
            tokens = prepare_database(settings)
        second = _banner(settings, tokens, no_accounts=not has_accounts(settings))
        assert tokens == []
        assert not TOKEN_RE.search(second) and "Chưa có tài khoản" not in second
        assert not TOKEN_RE.search(repr(logs))
        listed = runner.invoke(tokens_app, ["list"], catch_exceptions=False)
        assert not TOKEN_RE.search(listed.stdout)


class TestDevelopmentProfile:
    def test_first_start_prints_credentials_and_later_starts_do_not(self, tmp_path: Path) -> None:
        """The banner says development profile; the sample credentials appear on the first
        start only (later starts point at the 0600 file), and never in structured logs."""
        settings = settings_in(tmp_path)
        with capture_logs() as first_logs:
            created = prepare_database(settings)
        first = _banner(settings, created)
        assert "development profile" in first and "not for production" in first
        giamdoc = next(t for t in created if t.username == "giamdoc")
        assert giamdoc.token in first and giamdoc.password and giamdoc.password in first

        with capture_logs() as second_logs:
            again = prepare_database(settings)
        second = _banner(settings, again)
        assert again == []
        assert "development profile" in second and "thidua sample-accounts" in second
        assert not TOKEN_RE.search(second) and "demo-" not in second
        for logs in (first_logs, second_logs):
            assert not TOKEN_RE.search(repr(logs)) and "demo-" not in repr(logs)

    async def test_docs_pages_are_off_and_the_openapi_document_is_served(
        self, development_http: httpx.AsyncClient
    ) -> None:
        """No /docs or /redoc (their pages load CDN scripts); /openapi.json stays in development."""
        assert (await development_http.get("/docs")).status_code == 404
        assert (await development_http.get("/redoc")).status_code == 404
        served = await development_http.get("/openapi.json")
        assert served.status_code == 200 and served.json()["info"]["title"] == "thidua API"

    async def test_cookies_follow_the_scheme_unless_secure_cookies_is_set(
        self, development_http: httpx.AsyncClient, app_for: Any
    ) -> None:
        """Plain http in development: no Secure; with api.secure_cookies: Secure."""
        _, done = await sign_in(development_http, "vanphong")
        assert "secure" not in done.headers["set-cookie"].lower()
        async with app_for(api=ApiSettings(secure_cookies=True)) as http:
            _, done = await sign_in(http, "vanphong")
        session = next(c for c in done.headers.get_list("set-cookie") if "thidua_session" in c)
        assert "secure" in session.lower()


@pytest.mark.usefixtures("restore_umask")
class TestPrivateFiles:
    def test_fresh_start_makes_var_0700_and_the_database_0600(self, tmp_path: Path) -> None:
        """Under the usual umask 022, a first start leaves var/ 0700 and its files 0600."""
        settings = settings_in(tmp_path)
        make_private(settings)
        prepare_database(settings)
        var = settings.var_dir
        assert stat.S_IMODE(var.stat().st_mode) == 0o700
        for name in ("thidua.db", "sample-accounts.json"):
            assert stat.S_IMODE((var / name).stat().st_mode) == 0o600, name
        (var / "logs").mkdir()
        assert stat.S_IMODE((var / "logs").stat().st_mode) == 0o700

    def test_files_left_readable_by_earlier_versions_are_tightened(self, tmp_path: Path) -> None:
        """An existing var/ 0755 with a 0644 database and log is made 0700 / 0600 on start."""
        settings = settings_in(tmp_path)
        var = settings.var_dir
        (var / "logs").mkdir(parents=True)
        for path in (var / "thidua.db", var / "logs" / "temporal.log"):
            path.write_text("x")
            path.chmod(0o644)
        for d in (var, var / "logs"):
            d.chmod(0o755)
        make_private(settings)
        assert stat.S_IMODE(var.stat().st_mode) == 0o700
        assert stat.S_IMODE((var / "logs").stat().st_mode) == 0o700
        assert stat.S_IMODE((var / "thidua.db").stat().st_mode) == 0o600
        assert stat.S_IMODE((var / "logs" / "temporal.log").stat().st_mode) == 0o600
