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


#: The problem name of a refusal whose actor is not what our accounts record (issue 16 #14).
ACTOR_NOT_RECORDED = "actor_not_recorded"

#: Who moves nominations on for the Office when a round's step has no signed-in actor (a round
#: closed by its deadline; the Office's part of the Director's decision). A system actor: it has
#: no account, so the workflows accept it only where it acts (``CheckActorInput.system_allowed``):
#: on a nomination that a round of its movement and year has appraised.
OFFICE_ROBOT = Actor(username="vanphong.tudong", role=Role.OFFICE)


class CheckActorInput(BaseModel):
    """The actor an update claims to be, to check against the accounts we keep.

    ``system_allowed``: the step is one the Office robot takes (``OFFICE_ROBOT``) for a round,
    on the nomination ``nomination_id``; both set by the workflow's code, never by the caller."""

    actor: Actor
    system_allowed: bool = False
    nomination_id: str | None = None
