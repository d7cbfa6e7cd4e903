"""Ports of the rules versions use cases: the governed versions (and the nominations a newer
version may re-evaluate) as the use cases read and write them, one transaction at a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

from rules.registry import VersionWindow
from thidua.domain.roles import Actor

Status = Literal["draft", "approved", "published", "retired"]
DRAFT: Final = "draft"
APPROVED: Final = "approved"
PUBLISHED: Final = "published"
RETIRED: Final = "retired"


@dataclass(frozen=True)
class RulesVersion:
    """A stored version of a ruleset: its YAML texts, hash, state and window (times in UTC).

    ``supersedes``/``supersedes_effective_to``: the version this one closed when published and
    that version's end date before, so a rollback can reopen it exactly.
    """

    ruleset_id: str
    version: str
    sha256: str
    content: str
    golden: str | None
    status: Status
    author: str
    created_at: dt.datetime
    updated_at: dt.datetime
    notes: str | None = None
    approved_by: str | None = None
    approved_at: dt.datetime | None = None
    published_by: str | None = None
    published_at: dt.datetime | None = None
    retired_by: str | None = None
    retired_at: dt.datetime | None = None
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    supersedes: str | None = None
    supersedes_effective_to: dt.date | None = None

    @property
    def name(self) -> str:
        """``<ruleset id>@<version>``, as messages and the audit log name a version."""
        return f"{self.ruleset_id}@{self.version}"


@dataclass(frozen=True)
class InFlightNomination:
    """A nomination not yet final, with the facts and the result of its current evaluation."""

    key: str
    workflow_id: str
    unit: str
    stage: str
    facts: dict[str, Any]
    ruleset_id: str
    ruleset_version: str
    status: str | None
    titles: list[str]
    proposals: list[str]


class RulesVersionStore(Protocol):
    """What the rules versions use cases read and write in one transaction."""

    def get(self, ruleset_id: str, version: str) -> RulesVersion | None:
        """Any stored version (retired included), or None."""
        ...

    def versions(
        self, ruleset_id: str | None = None, status: str | None = None
    ) -> list[RulesVersion]:
        """The stored versions (of one ruleset, in one status), by ruleset then upload order."""
        ...

    def published(self) -> list[RulesVersion]:
        """Every published version (any ruleset id)."""
        ...

    def published_windows(self) -> list[VersionWindow]:
        """Every published version's window, without the texts (the registry asks on each
        choice of a version, so this must stay cheap)."""
        ...

    def lock(self, ruleset_id: str) -> None:
        """Serialise publishing and rolling back one ruleset until the transaction ends."""
        ...

    def save(self, version: RulesVersion) -> None:
        """Store a new version or the new state of a stored one (by id and version)."""
        ...

    def record(
        self,
        action: str,
        version: str,
        actor: Actor,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> None:
        """An audit entry (object ``rules_version`` named ``version``) for a change made in
        this transaction: committed with it, or not at all."""
        ...

    def in_flight(
        self, ruleset_id: str, version: str, keys: Sequence[str] | None = None
    ) -> list[InFlightNomination]:
        """Nominations past submission and not yet final, evaluated under another version of
        ``ruleset_id`` (only ``keys`` when given), in submission order."""
        ...
