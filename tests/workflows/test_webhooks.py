"""Webhooks on the real server: signed, retried through Temporal, each event accepted once."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from temporalio.api.enums.v1 import EventType

from tests.support.harness import Harness
from tests.support.settings import LOOPBACK_WEBHOOKS
from tests.support.waits import poll
from thidua.adapters.db.models import NominationStepRow, WebhookDeliveryRow
from thidua.app import webhooks
from thidua.app.ports.webhooks import SubscriptionRequest
from thidua.domain.refusals import Refusal
from thidua.domain.webhook_destinations import delivery_task_queue
from thidua.domain.webhooks import SIGNATURE_HEADER
from worker import dispatcher_id, start_webhook_dispatcher

RULES = LOOPBACK_WEBHOOKS.rules()


class FlakyReceiver:
    """Answers 500 to the first two attempts of every event, then 200; remembers everything."""

    def __init__(self) -> None:
        self.attempts: Counter[str] = Counter()
        self.accepted: Counter[str] = Counter()
        self.bodies: dict[str, tuple[bytes, str]] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                event = self.headers["X-Thidua-Event-Id"]
                receiver.attempts[event] += 1
                ok = receiver.attempts[event] > 2
                if ok:
                    receiver.accepted[event] += 1
                    receiver.bodies[event] = (body, self.headers[SIGNATURE_HEADER])
                self.send_response(200 if ok else 500)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[FlakyReceiver]:
    r = FlakyReceiver()
    yield r
    r.server.shutdown()


class TestWebhooks:
    async def test_failing_receiver_gets_every_event_exactly_once_in_the_end(
        self, h: Harness, receiver: FlakyReceiver
    ) -> None:
        """Two failures per event, then success: every step delivered once, signed, logged."""
        with h.db.uow() as tx:
            sub = webhooks.create_subscription(
                tx,
                h.actor("pipeline.ldvl"),
                SubscriptionRequest(url=receiver.url),
                rules=h.settings.webhooks.rules(),
            )
        assert sub.secret
        await start_webhook_dispatcher(h.client, h.settings)
        key = await h.submit("NV018")
        await h.review("truongphong.ldvl", key, "reject", "Không đạt")
        with h.db.uow.session() as session:
            events = [
                str(i)
                for i in session.scalars(
                    select(NominationStepRow.id).order_by(NominationStepRow.id)
                )
            ]
        assert len(events) == 3

        def delivered() -> list[str]:
            with h.db.uow.session() as session:
                rows = session.scalars(
                    select(WebhookDeliveryRow).where(WebhookDeliveryRow.status == "delivered")
                )
                return sorted(str(r.event_id) for r in rows)

        await poll(delivered, lambda d: d == sorted(events), within=40)
        assert dict(receiver.accepted) == {e: 1 for e in events}
        assert all(receiver.attempts[e] == 3 for e in events)
        for body, signature in receiver.bodies.values():
            expected = "sha256=" + hmac.new(sub.secret.encode(), body, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(signature, expected)
            assert json.loads(body)["nomination"] == key
        with h.db.uow() as tx:
            log = webhooks.delivery_log(tx, h.actor("pipeline.ldvl"), sub.id)
        assert {(d.status, d.attempts, d.last_status_code) for d in log} == {("delivered", 3, 200)}

    async def test_other_units_events_are_not_sent_and_subscriptions_are_private(
        self, h: Harness, receiver: FlakyReceiver
    ) -> None:
        """A GDNN pipeline-like subscriber gets no LDVL events; another user cannot read its log."""
        with h.db.uow() as tx:
            sub = webhooks.create_subscription(
                tx,
                h.actor("canbo.gdnn"),
                SubscriptionRequest(url=receiver.url),
                rules=h.settings.webhooks.rules(),
            )
        await start_webhook_dispatcher(h.client, h.settings)
        await h.submit("NV018")
        with h.db.uow() as tx:
            assert webhooks.plan_deliveries(tx) == []
            with pytest.raises(Refusal):
                webhooks.delivery_log(tx, h.actor("canbo.ldvl"), sub.id)

    def test_bad_url_and_unknown_event_type_are_refused(self, seeded_sqlite: object) -> None:
        """Only http(s) URLs and known event types are accepted, with the field named."""
        from tests.support.db import SeededDb
        from thidua.app.accounts.authentication import authenticate

        assert isinstance(seeded_sqlite, SeededDb)
        with seeded_sqlite.uow() as tx:
            actor = authenticate(tx, seeded_sqlite.token("pipeline.ldvl"))
            assert actor is not None
            with pytest.raises(Refusal, match="url") as bad_url:
                webhooks.create_subscription(
                    tx, actor, SubscriptionRequest(url="ftp://x/y"), rules=RULES
                )
            assert bad_url.value.field == "url"
            with pytest.raises(Refusal, match="events") as bad_events:
                webhooks.create_subscription(
                    tx,
                    actor,
                    SubscriptionRequest(url="http://127.0.0.1:1/h", events=["x"]),
                    rules=RULES,
                )
            assert bad_events.value.field == "events"


class TestDeliveriesOwnQueue:
    async def test_deliveries_run_on_their_own_task_queue_and_worker(
        self, h: Harness, receiver: FlakyReceiver
    ) -> None:
        """The dispatcher (on the service's queue) starts each delivery workflow on
        ``<queue>-webhooks``, and its ``deliver_webhook`` activities are scheduled there: served
        by the deliveries' own worker and slots, not the nominations'."""
        with h.db.uow() as tx:
            webhooks.create_subscription(
                tx,
                h.actor("pipeline.ldvl"),
                SubscriptionRequest(url=receiver.url),
                rules=h.settings.webhooks.rules(),
            )
        await start_webhook_dispatcher(h.client, h.settings)
        await h.submit("NV018")

        def delivered() -> list[int]:
            with h.db.uow.session() as session:
                rows = session.scalars(
                    select(WebhookDeliveryRow).where(WebhookDeliveryRow.status == "delivered")
                )
                return [r.id for r in rows]

        ids = await poll(delivered, lambda d: len(d) >= 2, within=40)
        queue = h.settings.temporal.task_queue
        assert delivery_task_queue(queue) == f"{queue}-webhooks"
        for delivery_id in ids:
            handle = h.client.get_workflow_handle(
                f"{dispatcher_id(h.settings)}-delivery-{delivery_id}"
            )
            assert (await handle.describe()).task_queue == f"{queue}-webhooks"
            history = await handle.fetch_history()
            scheduled = [
                e.activity_task_scheduled_event_attributes
                for e in history.events
                if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
            ]
            assert {(a.activity_type.name, a.task_queue.name) for a in scheduled} == {
                ("deliver_webhook", f"{queue}-webhooks")
            }
        dispatcher = await h.client.get_workflow_handle(dispatcher_id(h.settings)).describe()
        assert dispatcher.task_queue == queue
