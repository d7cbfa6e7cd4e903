"""Who reads and changes the governed rules versions and who runs what-if (thidua.domain.policy)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from thidua.domain import policy
from thidua.domain.labels import rule_outcome_label_vi
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role

CHECKS: dict[str, tuple[Callable[[Actor], None], set[Role]]] = {
    "read": (policy.check_rules_read, {Role.RULES_ADMIN, Role.AUDITOR}),
    "admin": (policy.check_rules_admin, {Role.RULES_ADMIN}),
    "whatif": (policy.check_whatif, {Role.RULES_ADMIN, Role.AUDITOR, Role.DIRECTOR}),
}


class TestRulesChecks:
    @pytest.mark.parametrize("check", sorted(CHECKS))
    @pytest.mark.parametrize("role", list(Role))
    def test_only_the_listed_roles_pass(self, check: str, role: Role) -> None:
        """Each check lets its roles through and refuses every other role as forbidden."""
        fn, allowed = CHECKS[check]
        actor = Actor(username="x", role=role, units=("LDVL",))
        if role in allowed:
            fn(actor)
            return
        with pytest.raises(Refusal) as exc:
            fn(actor)
        assert exc.value.code is RefusalCode.FORBIDDEN and exc.value.problem == "forbidden"

    def test_whatif_refusal_names_the_role(self) -> None:
        """The what-if refusal says which role asked, in Vietnamese."""
        with pytest.raises(Refusal) as exc:
            policy.check_whatif(Actor(username="vanphong", role=Role.OFFICE))
        assert "Văn phòng Sở không được chạy thử" in exc.value.message


class TestRuleOutcomeLabel:
    def test_grants_read_met_and_exclusions_read_applied(self) -> None:
        """A granting rule that fired is met; a disqualifying one that fired applies."""
        assert rule_outcome_label_vi("grant", "fired") == "Đạt"
        assert rule_outcome_label_vi("propose", "not_fired") == "Không đạt"
        assert rule_outcome_label_vi("disqualify", "fired") == "Vướng"
        assert rule_outcome_label_vi("hold", "not_fired") == "Không vướng"
        assert rule_outcome_label_vi("grant", "skipped") == "Không áp dụng"
