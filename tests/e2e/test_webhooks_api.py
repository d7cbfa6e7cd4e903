"""Webhook subscriptions through the API against SSRF and floods: internal destinations are
refused at subscription (nothing stored, so nothing can ever be delivered), https by default,
a cap of active subscriptions per account. No request here leaves 127.0.0.0/8 (``localhost``
is resolved from /etc/hosts; the other URLs are IP literals, never connected to)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import func, select
from temporalio.client import Client

from tests.support.api import Api, serve_app
from tests.support.db import SeededDb
from tests.support.settings import fast_settings
from thidua.adapters.db.models import WebhookDeliveryRow, WebhookSubscriptionRow
from thidua.config import WebhookSettings
from thidua.entrypoints.api.app import create_app

ApiFactory = Callable[[WebhookSettings], AbstractAsyncContextManager[Api]]
INTERNAL = [
    "http://127.0.0.1:7233/hook",
    "http://[::1]:8000/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/hook",
    "http://localhost:7233/hook",  # a name resolving to loopback (from /etc/hosts)
    "http://[::ffff:127.0.0.1]:7233/hook",
    "http://0.0.0.0:7233/hook",
]


@pytest.fixture
def make_api(temporal_client: Client, seeded_sqlite: SeededDb, task_queue: str) -> ApiFactory:
    """The app in process with the given webhook settings."""

    @asynccontextmanager
    async def running(hooks: WebhookSettings) -> AsyncIterator[Api]:
        settings = fast_settings(seeded_sqlite.url, task_queue)
        settings.webhooks = hooks
        app = create_app(settings, seeded_sqlite.uow, client=temporal_client)
        async with serve_app(app) as http:
            yield Api(http, seeded_sqlite)

    return running


def count(db: SeededDb, model: type) -> int:
    with db.uow.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


class TestDestinations:
    @pytest.mark.parametrize("url", INTERNAL)
    async def test_internal_destinations_are_refused_and_nothing_is_stored(
        self, make_api: ApiFactory, seeded_sqlite: SeededDb, url: str
    ) -> None:
        """http allowed, no allowlist: loopback, ::1, metadata, private, a name resolving to
        loopback: 422 on ``url``; no subscription, so no delivery is ever possible."""
        async with make_api(WebhookSettings(require_https=False)) as api:
            r = await api.call("pipeline.ldvl", "POST", "/v1/webhooks", {"url": url})
            assert r.status_code == 422, r.text
            problem = r.json()
            assert problem["code"] == "webhook_destination_refused"
            assert [e["field"] for e in problem["errors"]] == ["url"]
            assert "127.0.0.1" not in problem["detail"]  # says which rule, not what resolved
            listed = await api.call("pipeline.ldvl", "GET", "/v1/webhooks")
            assert listed.json() == []
        assert count(seeded_sqlite, WebhookSubscriptionRow) == 0
        assert count(seeded_sqlite, WebhookDeliveryRow) == 0

    async def test_http_is_refused_by_default(self, make_api: ApiFactory) -> None:
        """Default settings: a public http:// URL is refused (https required); nothing sent."""
        async with make_api(WebhookSettings()) as api:
            r = await api.call(
                "pipeline.ldvl", "POST", "/v1/webhooks", {"url": "http://93.184.216.34/h"}
            )
        assert r.status_code == 422 and r.json()["code"] == "webhook_https_required"

    async def test_the_allowlist_admits_its_networks(self, make_api: ApiFactory) -> None:
        """``allowed_networks`` 127.0.0.0/8: a loopback receiver may be subscribed, ::1 not."""
        hooks = WebhookSettings(require_https=False, allowed_networks=["127.0.0.0/8"])
        async with make_api(hooks) as api:
            ok = await api.call(
                "pipeline.ldvl", "POST", "/v1/webhooks", {"url": "http://127.0.0.1:9/h"}
            )
            refused = await api.call(
                "pipeline.ldvl", "POST", "/v1/webhooks", {"url": "http://[::1]:9/h"}
            )
        assert (ok.status_code, refused.status_code) == (201, 422)


class TestCap:
    async def test_the_subscription_beyond_the_cap_is_refused(
        self, make_api: ApiFactory, seeded_sqlite: SeededDb
    ) -> None:
        """Default cap 10 active per account: the 11th is refused (409, field ``url``); after
        deactivating one, one more is accepted; another account has its own cap."""
        hooks = WebhookSettings(
            require_https=False, resolve_names=False, allowed_networks=["127.0.0.0/8"]
        )
        assert hooks.max_active_per_account == 10
        async with make_api(hooks) as api:

            async def subscribe(user: str, i: int) -> tuple[int, Any]:
                r = await api.call(
                    user, "POST", "/v1/webhooks", {"url": f"http://127.0.0.1:9/h{i}"}
                )
                return r.status_code, r.json()

            created = [await subscribe("pipeline.ldvl", i) for i in range(10)]
            assert {status for status, _ in created} == {201}
            status, problem = await subscribe("pipeline.ldvl", 10)
            assert status == 409
            assert problem["code"] == "webhook_subscription_limit"
            assert [e["field"] for e in problem["errors"]] == ["url"]
            first = created[0][1]["id"]
            r = await api.call("pipeline.ldvl", "POST", f"/v1/webhooks/{first}/deactivate")
            assert r.status_code == 200
            assert (await subscribe("pipeline.ldvl", 11))[0] == 201
            assert (await subscribe("canbo.gdnn", 0))[0] == 201
        assert count(seeded_sqlite, WebhookSubscriptionRow) == 12
