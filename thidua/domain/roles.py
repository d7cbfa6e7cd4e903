"""Who acts: the roles of the agency's users and the authenticated actor."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Role(StrEnum):
    UNIT_OFFICER = "unit_officer"
    UNIT_HEAD = "unit_head"
    OFFICE = "office"
    COUNCIL_SECRETARY = "council_secretary"
    DIRECTOR = "director"
    RULES_ADMIN = "rules_admin"
    AUDITOR = "auditor"
    PIPELINE = "pipeline"
    ADMIN = "admin"  # the agency's profile, organisation and accounts


# Roles that see only their own unit's (or granted units') nominations, decisions and events.
# The admin administers the agency's data and accounts and has no unit: it sees no nomination.
UNIT_SCOPED_ROLES = frozenset({Role.UNIT_OFFICER, Role.UNIT_HEAD, Role.PIPELINE, Role.ADMIN})


class Actor(BaseModel):
    """Who acts: an authenticated user with a role and, for unit-scoped roles, their units."""

    model_config = ConfigDict(frozen=True)

    username: str
    role: Role
    units: tuple[str, ...] = ()

    def owns_unit(self, unit_code: str) -> bool:
        return unit_code in self.units
