"""Operator commands for accounts and tokens, and the API's bearer-token authenticator."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import Depends, FastAPI
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.exceptions import HTTPException
from structlog.testing import capture_logs
from typer.testing import CliRunner

from tests.support.db import SeededDb
from thidua.adapters.db.models import ApiTokenRow, UserRow
from thidua.app.accounts import tokens
from thidua.app.accounts.authentication import authenticate
from thidua.config import get_settings
from thidua.domain.roles import Actor, Role
from thidua.entrypoints.api.security import Authenticator
from thidua.entrypoints.cli.accounts import tokens_app, users_app
from thidua.entrypoints.ratelimit import FailureThrottle, RateLimiter

TOKEN_RE = re.compile(r"thd_[A-Za-z0-9_-]{20,}")
runner = CliRunner()


@pytest.fixture
def db(seeded_sqlite: SeededDb, monkeypatch: pytest.MonkeyPatch) -> Iterator[SeededDb]:
    monkeypatch.setenv("THIDUA_DATABASE__URL", seeded_sqlite.url)
    # The CLI configures logging to CliRunner's stderr, closed after each invoke: keep it global-free.
    monkeypatch.setattr("thidua.entrypoints.cli._common.configure_logging", lambda *a, **k: None)
    get_settings.cache_clear()
    yield seeded_sqlite
    get_settings.cache_clear()


def _auth(db: SeededDb, token: str) -> Actor | None:
    with db.uow() as tx:
        return authenticate(tx, token)


def _create_token(db: SeededDb, *args: str) -> str:
    result = runner.invoke(tokens_app, ["create", *args])
    assert result.exit_code == 0, result.output
    found = TOKEN_RE.findall(result.stdout)
    assert len(found) == 1
    return str(found[0])


# --- CLI: tokens --------------------------------------------------------------------------------


def test_token_create_then_authenticate(db: SeededDb) -> None:
    token = _create_token(db, "canbo.vp", "--name", "laptop")
    actor = _auth(db, token)
    assert actor == Actor(username="canbo.vp", role=Role.UNIT_OFFICER, units=("VP",))
    with db.uow.session() as session:
        row = session.scalars(
            select(ApiTokenRow).where(ApiTokenRow.prefix == tokens.token_prefix(token))
        ).one()
        assert row.name == "laptop"
        assert row.token_hash == tokens.hash_token(token)
        assert token not in (row.token_hash, row.prefix, row.name)


def test_token_with_expiry_and_expired_token(db: SeededDb) -> None:
    token = _create_token(db, "giamdoc", "--expires-in-days", "30")
    assert _auth(db, token) is not None
    with db.uow.session() as session:
        row = session.scalars(
            select(ApiTokenRow).where(ApiTokenRow.token_hash == tokens.hash_token(token))
        ).one()
        assert row.expires_at is not None
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    assert _auth(db, token) is None
    listed = runner.invoke(tokens_app, ["list", "giamdoc"])
    assert "hết hạn" in listed.stdout


def test_revoke_by_prefix_and_by_id(db: SeededDb) -> None:
    first = _create_token(db, "vanphong")
    second = _create_token(db, "vanphong", "--name", "second")
    result = runner.invoke(tokens_app, ["revoke", tokens.token_prefix(first)])
    assert result.exit_code == 0, result.output
    assert _auth(db, first) is None
    assert _auth(db, second) is not None
    with db.uow.session() as session:
        second_id = session.scalars(
            select(ApiTokenRow.id).where(ApiTokenRow.token_hash == tokens.hash_token(second))
        ).one()
    result = runner.invoke(tokens_app, ["revoke", str(second_id)])
    assert result.exit_code == 0, result.output
    assert _auth(db, second) is None
    listed = runner.invoke(tokens_app, ["list", "vanphong"])
    assert listed.stdout.count("đã thu hồi") == 2


def test_list_never_prints_tokens_or_hashes(db: SeededDb) -> None:
    token = _create_token(db, "kiemtoan", "--name", "audit")
    for args in (["list"], ["list", "kiemtoan"], ["list", "--json"]):
        result = runner.invoke(tokens_app, args)
        assert result.exit_code == 0, result.output
        assert token not in result.output
        assert tokens.hash_token(token) not in result.output
        assert db.token("kiemtoan") not in result.output
        assert tokens.token_prefix(token) in result.output
        assert TOKEN_RE.search(result.output) is None


def test_token_errors_exit_2_without_traceback(db: SeededDb) -> None:
    cases = [
        (["create", "nobody"], "nobody"),
        (["list", "nobody"], "nobody"),
        (["revoke", "thd_zzzzzz"], "thd_zzzzzz"),
        (["revoke", "999999"], "999999"),
    ]
    for args, needle in cases:
        result = runner.invoke(tokens_app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "Lỗi:" in result.stderr and needle in result.stderr
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_revoke_by_full_token_does_not_echo_it(db: SeededDb) -> None:
    token = _create_token(db, "canbo.ttra")
    result = runner.invoke(tokens_app, ["revoke", token])
    assert result.exit_code == 0, result.output
    assert token not in result.output
    assert _auth(db, token) is None


# --- CLI: users ---------------------------------------------------------------------------------


def test_users_create_pipeline_with_grants(db: SeededDb) -> None:
    result = runner.invoke(
        users_app,
        [
            "create",
            "pipeline.multi",
            "--role",
            "pipeline",
            "--grant",
            "LDVL",
            "--grant",
            "GDNN",
            "--display-name",
            "Tiếp nhận tự động",
        ],
    )
    assert result.exit_code == 0, result.output
    token = _create_token(db, "pipeline.multi")
    actor = _auth(db, token)
    assert actor is not None
    assert actor.role is Role.PIPELINE
    assert set(actor.units) == {"LDVL", "GDNN"}
    listed = runner.invoke(users_app, ["list"])
    assert "pipeline.multi" in listed.stdout and "GDNN,LDVL" in listed.stdout


def test_users_create_errors_name_option_and_allowed_values(db: SeededDb) -> None:
    result = runner.invoke(users_app, ["create", "x.y", "--role", "boss"])
    assert result.exit_code == 2
    assert "--role" in result.stderr and "unit_officer" in result.stderr
    assert "pipeline" in result.stderr

    result = runner.invoke(users_app, ["create", "x.y", "--role", "unit_officer", "--unit", "ZZZ"])
    assert result.exit_code == 2
    assert "--unit" in result.stderr and "ZZZ" in result.stderr and "LDVL" in result.stderr

    result = runner.invoke(users_app, ["create", "x.y", "--role", "unit_head"])
    assert result.exit_code == 2 and "--unit" in result.stderr

    result = runner.invoke(users_app, ["create", "x.y", "--role", "pipeline", "--grant", "NOPE"])
    assert result.exit_code == 2 and "--grant" in result.stderr and "NOPE" in result.stderr

    result = runner.invoke(users_app, ["create", "x.y", "--role", "director", "--grant", "VP"])
    assert result.exit_code == 2 and "--grant" in result.stderr

    result = runner.invoke(users_app, ["create", "canbo.vp", "--role", "office"])
    assert result.exit_code == 2 and "đã tồn tại" in result.stderr

    result = runner.invoke(users_app, ["create", "Bad Name", "--role", "office"])
    assert result.exit_code == 2 and "USERNAME" in result.stderr

    with db.uow.session() as session:
        assert session.scalars(select(UserRow).where(UserRow.username == "x.y")).first() is None


def test_deactivate_disables_tokens(db: SeededDb) -> None:
    token = db.token("canbo.gdnn")
    assert _auth(db, token) is not None
    result = runner.invoke(users_app, ["deactivate", "canbo.gdnn"])
    assert result.exit_code == 0, result.output
    assert _auth(db, token) is None
    assert runner.invoke(tokens_app, ["create", "canbo.gdnn"]).exit_code == 2
    assert runner.invoke(users_app, ["deactivate", "nobody"]).exit_code == 2


# --- API authenticator --------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _app(authenticator: Authenticator) -> FastAPI:
    app = FastAPI()
    current = Depends(authenticator)  # a local: string annotations could not resolve it

    @app.get("/me")
    async def me(actor: Actor = current) -> Actor:
        return actor

    return app


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_authenticator_accepts_valid_and_rejects_missing_or_bad(seeded_sqlite: SeededDb) -> None:
    client = TestClient(_app(Authenticator(seeded_sqlite.uow)))
    ok = client.get("/me", headers=_bearer(seeded_sqlite.token("giamdoc")))
    assert ok.status_code == 200 and ok.json()["username"] == "giamdoc"
    assert client.get("/me").status_code == 401
    assert client.get("/me", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get("/me", headers=_bearer("thd_notarealtoken123")).status_code == 401


def test_revoked_token_is_401(seeded_sqlite: SeededDb) -> None:
    token = seeded_sqlite.token("vanphong")
    with seeded_sqlite.uow() as tx:
        tokens.revoke_token(tx, tokens.token_prefix(token))
    client = TestClient(_app(Authenticator(seeded_sqlite.uow)))
    assert client.get("/me", headers=_bearer(token)).status_code == 401


def test_repeated_failures_from_an_ip_get_429_with_a_growing_wait(seeded_sqlite: SeededDb) -> None:
    """After 3 bad tokens from one IP the next bad one is 429 (Retry-After 60); once that wait
    has passed one more failure doubles it (120)."""
    clock = FakeClock()
    failures = FailureThrottle(3, clock=clock)
    client = TestClient(_app(Authenticator(seeded_sqlite.uow, failures=failures)))
    for i in range(3):
        assert client.get("/me", headers=_bearer(f"thd_wrong{i}xxxxxxxx")).status_code == 401
    refused = client.get("/me", headers=_bearer("thd_wrong3xxxxxxxx"))
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    clock.now = 61
    assert client.get("/me", headers=_bearer("thd_wrong4xxxxxxxx")).status_code == 401
    again = client.get("/me", headers=_bearer("thd_wrong5xxxxxxxx"))
    assert again.status_code == 429 and again.headers["Retry-After"] == "120"


def test_a_valid_token_is_accepted_from_an_address_that_sent_bad_tokens(
    seeded_sqlite: SeededDb,
) -> None:
    """Issue 16 #5: after 10 bad tokens from one address (now throttled), a valid token from
    that same address is still accepted: others' failures never block a valid credential."""
    client = TestClient(_app(Authenticator(seeded_sqlite.uow, failures=FailureThrottle(10))))
    for i in range(10):
        assert client.get("/me", headers=_bearer(f"thd_wrong{i}xxxxxxxx")).status_code == 401
    assert client.get("/me", headers=_bearer("thd_wrongAxxxxxxxxx")).status_code == 429
    valid = seeded_sqlite.token("giamdoc")
    ok = client.get("/me", headers=_bearer(valid))
    assert ok.status_code == 200 and ok.json()["username"] == "giamdoc"


def test_per_account_rate_limit(seeded_sqlite: SeededDb) -> None:
    clock = FakeClock()
    authenticator = Authenticator(seeded_sqlite.uow, token_limit=RateLimiter(2, 60, clock=clock))
    client = TestClient(_app(authenticator))
    token = seeded_sqlite.token("canbo.vp")
    assert client.get("/me", headers=_bearer(token)).status_code == 200
    assert client.get("/me", headers=_bearer(token)).status_code == 200
    limited = client.get("/me", headers=_bearer(token))
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "60"
    # Another account is not affected.
    assert client.get("/me", headers=_bearer(seeded_sqlite.token("giamdoc"))).status_code == 200
    clock.now = 60.5
    assert client.get("/me", headers=_bearer(token)).status_code == 200


def test_failure_log_has_ip_and_prefix_but_never_the_token(seeded_sqlite: SeededDb) -> None:
    client = TestClient(_app(Authenticator(seeded_sqlite.uow)))
    bad = "thd_abcdefSECRETPARTthatmustnotleak"
    with capture_logs() as logs:
        assert client.get("/me", headers=_bearer(bad)).status_code == 401
    failures = [e for e in logs if e["event"] == "authentication failed"]
    assert len(failures) == 1
    entry = failures[0]
    assert entry["log_level"] == "warning"
    assert entry["client_ip"] == "testclient"
    assert entry["token_prefix"] == "thd_abcdef"
    assert "SECRETPART" not in repr(logs)


async def test_authenticator_raises_http_exceptions_directly(seeded_sqlite: SeededDb) -> None:
    from starlette.requests import Request

    request = Request({"type": "http", "client": ("10.0.0.1", 1234), "headers": []})
    authenticator = Authenticator(seeded_sqlite.uow, failures=FailureThrottle(1))
    with pytest.raises(HTTPException) as missing:
        await authenticator(request, None)
    assert missing.value.status_code == 401
    creds = HTTPAuthorizationCredentials(scheme="Bearer", credentials="thd_nopenopenope")
    with pytest.raises(HTTPException) as first:
        await authenticator(request, creds)
    assert first.value.status_code == 401
    with pytest.raises(HTTPException) as second:
        await authenticator(request, creds)
    assert second.value.status_code == 429
    assert second.value.headers == {"Retry-After": "60"}
