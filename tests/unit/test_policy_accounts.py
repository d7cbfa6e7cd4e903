"""Who needs which units and who may subscribe to webhooks (``thidua.domain.policy``)."""

from __future__ import annotations

import pytest

from thidua.domain import policy
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role


class TestAccountUnits:
    @pytest.mark.parametrize("role", [Role.UNIT_OFFICER, Role.UNIT_HEAD])
    def test_unit_roles_need_their_unit(self, role: Role) -> None:
        """A unit officer or head without a unit is refused, naming ``unit``."""
        with pytest.raises(Refusal) as info:
            policy.check_account_units(role, None, ())
        assert (info.value.code, info.value.field) == (RefusalCode.INVALID, "unit")
        policy.check_account_units(role, "LDVL", ())

    def test_a_pipeline_needs_a_unit_or_a_grant(self) -> None:
        """A pipeline account with neither is refused naming ``grants``; either one will do."""
        with pytest.raises(Refusal) as info:
            policy.check_account_units(Role.PIPELINE, None, ())
        assert info.value.field == "grants"
        policy.check_account_units(Role.PIPELINE, None, ("NCC",))
        policy.check_account_units(Role.PIPELINE, "NCC", ())

    @pytest.mark.parametrize("role", [Role.DIRECTOR, Role.OFFICE, Role.AUDITOR, Role.RULES_ADMIN])
    def test_department_wide_roles_are_granted_nothing(self, role: Role) -> None:
        """They see the whole Department: a grant is refused, naming ``grants``."""
        with pytest.raises(Refusal) as info:
            policy.check_account_units(role, None, ("VP",))
        assert info.value.field == "grants" and "xem toàn Sở" in info.value.message
        policy.check_account_units(role, None, ())


class TestWebhookSubscribers:
    @pytest.mark.parametrize("role", sorted(policy.WEBHOOK_SUBSCRIBERS))
    def test_subscribers(self, role: Role) -> None:
        """Pipelines, unit roles, the Office, the Director and auditors subscribe."""
        policy.check_subscribe(Actor(username="x", role=role, units=("VP",)))

    @pytest.mark.parametrize("role", [Role.COUNCIL_SECRETARY, Role.RULES_ADMIN])
    def test_other_roles_are_forbidden(self, role: Role) -> None:
        """Everyone else is refused (403)."""
        with pytest.raises(Refusal) as info:
            policy.check_subscribe(Actor(username="x", role=role))
        assert info.value.code is RefusalCode.FORBIDDEN
