"""Bearer JWTs from a configured identity provider, verified with its public key (no fetch)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from temporalio.client import Client

from tests.support.api import serve_app
from tests.support.db import SeededDb
from tests.support.settings import fast_settings
from thidua.entrypoints.api.app import create_app

ISSUER, AUDIENCE = "https://idp.soldtbxh.example", "thidua-api"


@pytest.fixture(scope="module")
def keys() -> tuple[Any, str]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public_pem.decode()


@pytest.fixture
async def http(
    temporal_client: Client,
    seeded_sqlite: SeededDb,
    task_queue: str,
    tmp_path: Path,
    keys: tuple[Any, str],
) -> AsyncIterator[httpx.AsyncClient]:
    key_file = tmp_path / "idp.pem"
    key_file.write_text(keys[1])
    settings = fast_settings(seeded_sqlite.url, task_queue)
    settings.jwt.issuer, settings.jwt.audience, settings.jwt.public_key_file = (
        ISSUER,
        AUDIENCE,
        key_file,
    )
    app = create_app(settings, seeded_sqlite.uow, client=temporal_client)
    async with serve_app(app) as client:
        yield client


def token(private: Any, **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "sub": "kiemtoan",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 300,
        **claims,
    }
    return jwt.encode(payload, private, algorithm="RS256")


class TestJwt:
    async def test_valid_jwt_acts_as_the_named_account(
        self, http: httpx.AsyncClient, keys: tuple[Any, str]
    ) -> None:
        """A JWT signed by the provider for `kiemtoan` reads as the auditor."""
        r = await http.get("/v1/me", headers={"Authorization": f"Bearer {token(keys[0])}"})
        assert r.status_code == 200
        assert r.json()["role"] == "auditor"

    @pytest.mark.parametrize(
        "claims",
        [
            {"aud": "other-api"},
            {"iss": "https://evil.example"},
            {"exp": int(time.time()) - 10},
            {"sub": "khong.ton.tai"},
        ],
    )
    async def test_wrong_audience_issuer_expiry_or_account_is_401(
        self, http: httpx.AsyncClient, keys: tuple[Any, str], claims: dict[str, Any]
    ) -> None:
        """Each wrong claim is refused with 401."""
        r = await http.get(
            "/v1/me", headers={"Authorization": f"Bearer {token(keys[0], **claims)}"}
        )
        assert r.status_code == 401

    async def test_jwt_signed_by_another_key_is_401(self, http: httpx.AsyncClient) -> None:
        """A token not signed by the configured provider is refused."""
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        r = await http.get("/v1/me", headers={"Authorization": f"Bearer {token(other)}"})
        assert r.status_code == 401
