"""What the HTTP process shares between the API and the console, built once per process.

``create_app`` builds one ``Services`` and keeps it in ``app.state.services``; the API's
dependencies and the console's screens take everything from it: the unit of work, the one rules
engine (over the governed versions in the database), the API's bearer authentication, and the
Temporal-backed commands, which exist once the app has started (they need the Temporal client).
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi.security import HTTPAuthorizationCredentials
from starlette.requests import Request

from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.config import Settings
from thidua.domain.roles import Actor

if TYPE_CHECKING:
    from temporalio.client import Client

    from rules.engine import RulesEngine
    from rules.registry import RulesRegistry
    from thidua.app.lifecycle import Lifecycle
    from thidua.app.round_commands import Rounds


#: Bearer authentication of an API request (``entrypoints.api.security.Authenticator``):
#: the caller, or an HTTP 401/429.
Authenticate = Callable[[Request, HTTPAuthorizationCredentials | None], Awaitable[Actor]]


@dataclass
class Services:
    settings: Settings
    uow: SqlUnitOfWork
    authenticator: Authenticate | None = None
    lifecycle: Lifecycle | None = None
    rounds: Rounds | None = None
    client: Client | None = None
    _engine: RulesEngine | None = field(default=None, repr=False)
    _shipped_rules: RulesRegistry | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def engine(self) -> RulesEngine:
        """The process's one rules engine over the database's versions (built on first use)."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    from thidua.adapters.db.rules_versions import db_engine

                    self._engine = db_engine(self.uow)
        return self._engine

    @property
    def shipped_rules(self) -> RulesRegistry:
        """The ruleset versions shipped as files (read once, on first use): where a decision's
        version is looked up when the database does not hold it."""
        if self._shipped_rules is None:
            with self._lock:
                if self._shipped_rules is None:
                    from rules.registry import RulesRegistry

                    self._shipped_rules = RulesRegistry.from_directory()
        return self._shipped_rules

    def commands(self) -> tuple[Lifecycle, Rounds]:
        """The nomination and round commands (the app has started: the client is connected)."""
        if self.lifecycle is None or self.rounds is None:
            raise RuntimeError("the app has not started: no Temporal client yet")
        return self.lifecycle, self.rounds


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services
