"""Ports of the agency: the root of the organisation and its dated profile versions."""

from __future__ import annotations

from typing import Protocol


class AgencyStore(Protocol):
    """What the agency use cases read and write in one transaction."""

    def agency_code(self) -> str | None:
        """The deployment's agency (one agency for now), or None before it is set up."""
        ...

    def ensure_agency(self, code: str) -> None:
        """Create the agency ``code`` if there is none yet (a second one is refused)."""
        ...
