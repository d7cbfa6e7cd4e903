"""The governed rules versions in the database: their store, the rules registry over them (the
one rules engine of a process is built on it, in entry points only), and the seed rows of the
rulesets shipped as files (migration 0006)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import fields
from typing import Any, Protocol, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from rules.engine import RulesEngine
from rules.loader import load_ruleset
from rules.registry import (
    DEFAULT_DIRECTORY,
    GOLDEN_SUFFIX,
    SourcedRulesRegistry,
    VersionContent,
    VersionWindow,
    golden_path_for,
)
from thidua.adapters.db import audit
from thidua.adapters.db.models import NominationRow, RulesVersionRow
from thidua.app.ports.rules_versions import (
    DRAFT,
    PUBLISHED,
    InFlightNomination,
    RulesVersion,
    Status,
)
from thidua.domain.nominations import Stage
from thidua.domain.roles import Actor

SEED_AUTHOR = "seed"
# Stages where a nomination is not (or not yet) in flight: submitted, or decided.
NOT_IN_FLIGHT = (Stage.SUBMITTED.value, Stage.APPROVED.value, Stage.REJECTED.value)
_FIELDS = tuple(f.name for f in fields(RulesVersion))


def _utc(at: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes: they were stored in UTC."""
    if at is None or at.tzinfo is not None:
        return at
    return at.replace(tzinfo=dt.UTC)


def _version(row: RulesVersionRow) -> RulesVersion:
    values = {name: getattr(row, name) for name in _FIELDS}
    for name in ("created_at", "updated_at", "approved_at", "published_at", "retired_at"):
        values[name] = _utc(values[name])
    values["status"] = cast(Status, row.status)
    return RulesVersion(**values)


class SqlRulesVersionStore:
    """Implements ``thidua.app.ports.rules_versions.RulesVersionStore``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, ruleset_id: str, version: str) -> RulesVersionRow | None:
        return self.session.scalars(
            select(RulesVersionRow).where(
                RulesVersionRow.ruleset_id == ruleset_id, RulesVersionRow.version == version
            )
        ).first()

    def get(self, ruleset_id: str, version: str) -> RulesVersion | None:
        row = self._row(ruleset_id, version)
        return None if row is None else _version(row)

    def versions(
        self, ruleset_id: str | None = None, status: str | None = None
    ) -> list[RulesVersion]:
        q = select(RulesVersionRow).order_by(RulesVersionRow.ruleset_id, RulesVersionRow.id)
        if ruleset_id is not None:
            q = q.where(RulesVersionRow.ruleset_id == ruleset_id)
        if status is not None:
            q = q.where(RulesVersionRow.status == status)
        return [_version(r) for r in self.session.scalars(q)]

    def published(self) -> list[RulesVersion]:
        q = select(RulesVersionRow).where(RulesVersionRow.status == PUBLISHED)
        return [_version(r) for r in self.session.scalars(q.order_by(RulesVersionRow.id))]

    def published_windows(self) -> list[VersionWindow]:
        rows = self.session.execute(
            select(
                RulesVersionRow.ruleset_id,
                RulesVersionRow.version,
                RulesVersionRow.sha256,
                RulesVersionRow.effective_from,
                RulesVersionRow.effective_to,
            ).where(
                RulesVersionRow.status == PUBLISHED, RulesVersionRow.effective_from.is_not(None)
            )
        )
        return [VersionWindow(r[0], r[1], r[2], r[3], r[4]) for r in rows if r[3] is not None]

    def lock(self, ruleset_id: str) -> None:
        # PostgreSQL row locks; SQLite serialises writers anyway.
        self.session.execute(
            select(RulesVersionRow.id)
            .where(RulesVersionRow.ruleset_id == ruleset_id)
            .order_by(RulesVersionRow.id)
            .with_for_update()
        )

    def save(self, version: RulesVersion) -> None:
        row = self._row(version.ruleset_id, version.version)
        if row is None:
            self.session.add(RulesVersionRow(**{n: getattr(version, n) for n in _FIELDS}))
        else:
            for name in _FIELDS:
                value = getattr(version, name)
                if getattr(row, name) != value and name != "created_at":
                    setattr(row, name, value)
        self.session.flush()

    def record(
        self,
        action: str,
        version: str,
        actor: Actor,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> None:
        audit.record(
            self.session,
            action=action,
            object_type="rules_version",
            object_id=version,
            actor=actor.username,
            actor_role=actor.role.value,
            before=before,
            after=after,
        )

    def in_flight(
        self, ruleset_id: str, version: str, keys: Sequence[str] | None = None
    ) -> list[InFlightNomination]:
        q = (
            select(NominationRow)
            .where(
                NominationRow.stage.not_in(NOT_IN_FLIGHT),
                NominationRow.ruleset_id == ruleset_id,
                NominationRow.ruleset_version != version,
            )
            .order_by(NominationRow.id)
        )
        if keys is not None:
            q = q.where(NominationRow.key.in_(list(keys)))
        return [
            InFlightNomination(
                key=row.key,
                workflow_id=row.workflow_id,
                unit=row.unit.code,
                stage=row.stage,
                facts=row.facts,
                ruleset_id=row.ruleset_id or "",
                ruleset_version=row.ruleset_version or "",
                status=row.status,
                titles=list(row.titles),
                proposals=list(row.proposals),
            )
            for row in self.session.scalars(q)
        ]


# ---- the registry over the database -------------------------------------------------------


class Sessions(Protocol):
    """Where the registry opens its short transactions (``SqlUnitOfWork``)."""

    def session(self) -> AbstractContextManager[Session]: ...


class DbRulesetSource:
    """`rules.registry.RulesetSource` over ``rules_versions`` (one short transaction per call)."""

    def __init__(self, uow: Sessions) -> None:
        self._uow = uow

    def published(self) -> list[VersionWindow]:
        with self._uow.session() as session:
            return SqlRulesVersionStore(session).published_windows()

    def content(self, ruleset_id: str, version: str) -> VersionContent | None:
        with self._uow.session() as session:
            found = SqlRulesVersionStore(session).get(ruleset_id, version)
        if found is None:
            return None
        return VersionContent(found.content, found.sha256, mutable=found.status == DRAFT)


def db_registry(uow: Sessions) -> SourcedRulesRegistry:
    """The registry the service evaluates with: the database's published versions."""
    return SourcedRulesRegistry(DbRulesetSource(uow))


def db_engine(uow: Sessions) -> RulesEngine:
    """A rules engine over the database's versions: the process's one engine (entry points
    build it once: the HTTP ``Services``, the CLI's ``Caller``, the worker)."""
    return RulesEngine(db_registry(uow))


# ---- seeding ------------------------------------------------------------------------------


def shipped_seed_rows(
    now: dt.datetime, only: Collection[tuple[str, str]] | None = None
) -> list[dict[str, Any]]:
    """Rows for the rulesets shipped in ``rules/rulesets/``: published, author ``seed``.

    ``only``: the (id, version) pairs to return (every shipped file when None). Each migration
    seeds the versions it introduces: 0006 ``ntm-2024@1``, 0010 ``tdkt-2025@1``."""
    rows: list[dict[str, Any]] = []
    files = sorted(
        p
        for p in DEFAULT_DIRECTORY.glob("*.yaml")
        if p.is_file() and not p.name.endswith(GOLDEN_SUFFIX)
    )
    for path in files:
        content = path.read_text(encoding="utf-8")
        rs = load_ruleset(path, content)
        if only is not None and (rs.id, rs.version) not in only:
            continue
        golden_path = golden_path_for(path)
        golden = golden_path.read_text(encoding="utf-8") if golden_path.exists() else None
        rows.append(
            {
                "ruleset_id": rs.id,
                "version": rs.version,
                "sha256": rs.sha256,
                "content": content,
                "golden": golden,
                "status": PUBLISHED,
                "author": SEED_AUTHOR,
                "approved_by": SEED_AUTHOR,
                "approved_at": now,
                "published_by": SEED_AUTHOR,
                "published_at": now,
                "effective_from": rs.effective_from,
                "effective_to": rs.effective_to,
                "notes": f"Phiên bản khởi tạo từ tệp {path.name} trong mã nguồn.",
            }
        )
    return rows
