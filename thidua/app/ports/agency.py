"""Ports of the agency: the root of the organisation and its dated profile versions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from thidua.domain.agency import AgencyProfile


@dataclass(frozen=True)
class StoredProfile:
    """One stored version of the agency's profile."""

    version: int
    profile: AgencyProfile
    sha256: str
    created_by: str
    created_at: dt.datetime

    @property
    def effective_from(self) -> dt.date:
        return self.profile.effective_from


class AgencyStore(Protocol):
    """What the agency use cases read and write in one transaction."""

    def agency_code(self) -> str | None:
        """The deployment's agency (one agency for now), or None before it is set up."""
        ...

    def ensure_agency(self, code: str) -> None:
        """Create the agency ``code`` if there is none yet (a second one is refused)."""
        ...

    def add_profile(self, profile: AgencyProfile, sha256: str, created_by: str) -> StoredProfile:
        """Store ``profile`` as the agency's next version (last + 1); the agency must exist."""
        ...

    def profile_on(self, day: dt.date) -> StoredProfile | None:
        """The version in force on ``day``: the latest ``effective_from`` on or before it, the
        highest version among equal dates; None when none is in force yet."""
        ...

    def profiles(self) -> list[StoredProfile]:
        """Every version, newest first."""
        ...

    def record(
        self,
        action: str,
        actor: str,
        actor_role: str | None,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> None:
        """Audit a change of the agency (object ``agency``/its code) in this transaction."""
        ...
