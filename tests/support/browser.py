"""The web console in chromium: the browser's settings and ``Console``, a running stack's accounts.

Shared by ``tests/browser/test_console.py`` and ``tests/browser/screenshots.py``.
"""

from __future__ import annotations

import json
import shutil
from typing import Any

from tests.support.up import Service

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


class Console:
    """The running stack, its sample accounts and what the steps pass to each other."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.base = f"http://127.0.0.1:{service.api_port}"
        accounts = json.loads((service.root / "var" / "sample-accounts.json").read_text())
        self.passwords = {a["username"]: a["password"] for a in accounts}
        self.state: dict[str, Any] = {}
        self.timings: dict[str, list[float]] = {}

    def api(self, user: str, method: str, path: str, body: Any = None) -> Any:
        r = self.service.call(user, method, path, body)
        assert r.status_code < 300, r.text
        return r.json()
