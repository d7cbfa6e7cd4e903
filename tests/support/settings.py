"""Settings for tests: a private task queue and workflow id prefix, optionally short deadlines."""

from __future__ import annotations

import tempfile
from pathlib import Path

from thidua.config import Settings, WebhookSettings

#: The tests' webhook receivers listen on 127.0.0.1 over http: allowed; names are never looked
#: up (no test sends a DNS query). Tests of the address policy itself build their own.
LOOPBACK_WEBHOOKS = WebhookSettings(
    require_https=False, resolve_names=False, allowed_networks=["127.0.0.0/8", "::1/128"]
)
#: The same for a child process (``THIDUA_WEBHOOKS__*``).
LOOPBACK_WEBHOOKS_ENV = {
    "THIDUA_WEBHOOKS__REQUIRE_HTTPS": "false",
    "THIDUA_WEBHOOKS__RESOLVE_NAMES": "false",
    "THIDUA_WEBHOOKS__ALLOWED_NETWORKS": '["127.0.0.0/8", "::1/128"]',
}


def fast_settings(db_url: str, task_queue: str, **lifecycle: float) -> Settings:
    """Settings for tests: a private task queue and (optionally) short stage deadlines."""
    settings = Settings(
        database={"url": db_url},
        lifecycle=lifecycle or {},
        var_dir=Path(tempfile.mkdtemp()),
        webhooks=LOOPBACK_WEBHOOKS.model_copy(),
    )
    settings.temporal.task_queue = task_queue
    settings.temporal.workflow_id_prefix = f"{task_queue}-"
    return settings
