"""The unit of work the use cases run in, and the stores it gives them (the app's ports).

A use case takes a ``UnitOfWork`` and opens one transaction with ``with uow() as tx:`` (or
``await uow.run(fn)`` from async code: the transaction runs on a worker thread). ``tx`` gives
each area's store; what a store does is declared in that area's ports module, and the database
adapter (``thidua.adapters.db``) implements them. Leaving the block commits; an exception rolls
everything back, audit entries included.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol, TypeVar

from thidua.app.ports.accounts import AccountStore
from thidua.app.ports.agency import AgencyStore
from thidua.app.ports.audit import AuditStore
from thidua.app.ports.dashboard import DashboardQueries
from thidua.app.ports.documents import DocumentStore
from thidua.app.ports.evaluations import EvaluationStore
from thidua.app.ports.movements import MovementStore
from thidua.app.ports.nominations import NominationStore
from thidua.app.ports.org import OrgStore
from thidua.app.ports.publication import PublicationStore
from thidua.app.ports.roster import RosterQueries
from thidua.app.ports.rounds import RoundStore
from thidua.app.ports.rules_versions import RulesVersionStore
from thidua.app.ports.webhooks import WebhookStore

T = TypeVar("T")


class Tx(Protocol):
    """One transaction: every store reads and writes inside it."""

    @property
    def nominations(self) -> NominationStore: ...
    @property
    def rounds(self) -> RoundStore: ...
    @property
    def documents(self) -> DocumentStore: ...
    @property
    def evaluations(self) -> EvaluationStore: ...
    @property
    def rules_versions(self) -> RulesVersionStore: ...
    @property
    def audit(self) -> AuditStore: ...
    @property
    def accounts(self) -> AccountStore: ...
    @property
    def webhooks(self) -> WebhookStore: ...
    @property
    def org(self) -> OrgStore: ...
    @property
    def agency(self) -> AgencyStore: ...
    @property
    def movements(self) -> MovementStore: ...
    @property
    def publication(self) -> PublicationStore: ...
    @property
    def roster(self) -> RosterQueries: ...
    @property
    def dashboard(self) -> DashboardQueries: ...


class UnitOfWork(Protocol):
    def __call__(self) -> AbstractContextManager[Tx]:
        """A transaction: commits when the block ends, rolls back on an exception."""
        ...

    async def run(self, fn: Callable[[Tx], T]) -> T:
        """Run ``fn`` in one transaction on a worker thread (never blocks an event loop)."""
        ...
