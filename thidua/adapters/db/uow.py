"""The SQL unit of work: one SQLAlchemy session per transaction, and each area's store over it.

``SqlUnitOfWork`` implements the use cases' ``thidua.app.ports.uow.UnitOfWork``: ``with uow() as
tx`` gives a ``SqlTx`` whose stores share one session (so a change and its audit entry commit
together). Adapters that keep their own tables outside the use cases' stores (the API's
idempotency store, the rules registry's source of versions) and tests open a raw session with
``uow.session()`` or, from async code, ``uow.run_session(fn)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TypeVar

import anyio.to_thread
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from thidua.adapters.db.accounts import SqlAccountStore
from thidua.adapters.db.agency import SqlAgencyStore
from thidua.adapters.db.audit import SqlAuditStore
from thidua.adapters.db.dashboard import SqlDashboardQueries
from thidua.adapters.db.documents import SqlDocumentStore
from thidua.adapters.db.evaluations import SqlEvaluationStore
from thidua.adapters.db.movements import SqlMovementStore
from thidua.adapters.db.nominations import SqlNominationStore
from thidua.adapters.db.org import SqlOrgStore
from thidua.adapters.db.publication import SqlPublicationStore
from thidua.adapters.db.roster import SqlRosterQueries
from thidua.adapters.db.rounds import SqlRoundStore
from thidua.adapters.db.rules_versions import SqlRulesVersionStore
from thidua.adapters.db.webhooks import SqlWebhookStore
from thidua.app.ports.uow import Tx

T = TypeVar("T")


class SqlTx:
    """One transaction's stores, all over the same session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @cached_property
    def nominations(self) -> SqlNominationStore:
        return SqlNominationStore(self.session)

    @cached_property
    def rounds(self) -> SqlRoundStore:
        return SqlRoundStore(self.session)

    @cached_property
    def documents(self) -> SqlDocumentStore:
        return SqlDocumentStore(self.session)

    @cached_property
    def evaluations(self) -> SqlEvaluationStore:
        return SqlEvaluationStore(self.session)

    @cached_property
    def rules_versions(self) -> SqlRulesVersionStore:
        return SqlRulesVersionStore(self.session)

    @cached_property
    def audit(self) -> SqlAuditStore:
        return SqlAuditStore(self.session)

    @cached_property
    def accounts(self) -> SqlAccountStore:
        return SqlAccountStore(self.session)

    @cached_property
    def webhooks(self) -> SqlWebhookStore:
        return SqlWebhookStore(self.session)

    @cached_property
    def org(self) -> SqlOrgStore:
        return SqlOrgStore(self.session)

    @cached_property
    def agency(self) -> SqlAgencyStore:
        return SqlAgencyStore(self.session)

    @cached_property
    def movements(self) -> SqlMovementStore:
        return SqlMovementStore(self.session)

    @cached_property
    def publication(self) -> SqlPublicationStore:
        return SqlPublicationStore(self.session)

    @cached_property
    def roster(self) -> SqlRosterQueries:
        return SqlRosterQueries(self.session)

    @cached_property
    def dashboard(self) -> SqlDashboardQueries:
        return SqlDashboardQueries(self.session)


class SqlUnitOfWork:
    """Transactions over one engine: ``with uow() as tx`` (use cases) or ``uow.session()``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._factory = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A raw session in a transaction: commits at the end, rolls back on an exception."""
        session = self._factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def __call__(self) -> Iterator[SqlTx]:
        with self.session() as session:
            yield SqlTx(session)

    async def run(self, fn: Callable[[Tx], T]) -> T:
        """Run ``fn`` in one transaction on a worker thread, so an event loop never waits on
        the database."""

        def _in_transaction() -> T:
            with self() as tx:
                return fn(tx)

        return await anyio.to_thread.run_sync(_in_transaction)

    async def run_session(self, fn: Callable[[Session], T]) -> T:
        """Like ``run`` with a raw session, for adapters that query their own tables (the
        idempotency store) from async code."""

        def _in_transaction() -> T:
            with self.session() as session:
                return fn(session)

        return await anyio.to_thread.run_sync(_in_transaction)
