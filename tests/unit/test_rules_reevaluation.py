"""Applying a re-evaluation through the ``NominationWorkflows`` port, with fakes of the ports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from thidua.app import rules_versions as rv
from thidua.app.ports.rules_versions import InFlightNomination, RulesVersion
from thidua.domain.nominations import NominationStatus, ReevaluateCriteriaInput
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role

ADMIN = Actor(username="quantri.quydinh1", role=Role.RULES_ADMIN)
AUDITOR = Actor(username="kiemtoan", role=Role.AUDITOR)
NOW = dt.datetime(2024, 7, 1, tzinfo=dt.UTC)
TARGET = RulesVersion(
    ruleset_id="ntm-2024",
    version="2",
    sha256="ab" * 32,
    content="",
    golden=None,
    status="published",
    author="quantri.quydinh1",
    created_at=NOW,
    updated_at=NOW,
)


def nomination(key: str) -> InFlightNomination:
    return InFlightNomination(
        key=key,
        workflow_id=f"nomination-{key}",
        unit="LDVL",
        stage="unit_review",
        facts={"id": key},
        ruleset_id="ntm-2024",
        ruleset_version="1",
        status="not_eligible",
        titles=[],
        proposals=[],
    )


class FakeRulesVersions:
    def __init__(self, nominations: list[InFlightNomination]) -> None:
        self.nominations = nominations

    def get(self, ruleset_id: str, version: str) -> RulesVersion | None:
        return TARGET if (ruleset_id, version) == ("ntm-2024", "2") else None

    def in_flight(
        self, ruleset_id: str, version: str, keys: Sequence[str] | None = None
    ) -> list[InFlightNomination]:
        return [n for n in self.nominations if keys is None or n.key in keys]


class FakeUow:
    def __init__(self, store: FakeRulesVersions) -> None:
        self.tx = SimpleNamespace(rules_versions=store)

    async def run(self, fn: Callable[[Any], Any]) -> Any:
        return fn(self.tx)


class FakeEngine:
    """Every nomination: not eligible under v1, LDTT under v2."""

    registry = SimpleNamespace(get=lambda ruleset_id, version: version)

    def evaluate_many(self, facts: list[dict[str, Any]], *, ruleset: str) -> list[Any]:
        eligible = ruleset == "2"
        return [
            SimpleNamespace(
                status=SimpleNamespace(value="eligible" if eligible else "not_eligible"),
                titles=["LDTT"] if eligible else [],
                proposals=[],
                fired=["ldtt"] if eligible else [],
            )
            for _ in facts
        ]


@dataclass
class FakeWorkflows:
    refusals: dict[str, Refusal] = field(default_factory=dict)
    calls: list[tuple[str, ReevaluateCriteriaInput, str | None]] = field(default_factory=list)

    async def reevaluate(
        self, workflow_id: str, input: ReevaluateCriteriaInput, update_id: str | None = None
    ) -> NominationStatus:
        self.calls.append((workflow_id, input, update_id))
        if workflow_id in self.refusals:
            raise self.refusals[workflow_id]
        return SimpleNamespace()  # not read by the use case


def request(**extra: Any) -> rv.ReevaluationRequest:
    return rv.ReevaluationRequest(ruleset_id="ntm-2024", version="2", reason="Áp dụng v2", **extra)


class TestApplyReevaluation:
    async def test_each_nomination_gets_one_idempotent_update_naming_the_target(self) -> None:
        """One update per nomination, the same update id (the target version), actor and reason."""
        store = FakeRulesVersions([nomination("A"), nomination("B")])
        workflows = FakeWorkflows()
        plan = await rv.apply_reevaluation(
            FakeUow(store),
            workflows,
            FakeEngine(),
            ADMIN,
            request(),
        )
        assert [(i.nomination, i.applied, i.changed) for i in plan.items] == [
            ("A", True, True),
            ("B", True, True),
        ]
        assert [c[0] for c in workflows.calls] == ["nomination-A", "nomination-B"]
        (update_id,) = {c[2] for c in workflows.calls}
        assert update_id == f"reevaluate:ntm-2024@2:{TARGET.sha256[:16]}"
        sent = workflows.calls[0][1]
        assert (sent.actor, sent.ruleset.version, sent.reason) == (ADMIN, "2", "Áp dụng v2")

    async def test_a_refusing_or_ended_workflow_is_reported_and_the_others_applied(self) -> None:
        """The workflow's refusal (or 'ended') is the item's error; the rest still go through."""
        store = FakeRulesVersions([nomination("A"), nomination("B"), nomination("C")])
        workflows = FakeWorkflows(
            {
                "nomination-A": Refusal(RefusalCode.DUPLICATE, "Đã xét lại theo phiên bản này."),
                "nomination-C": Refusal(RefusalCode.WRONG_STAGE, "Hồ sơ đã kết thúc quy trình."),
            }
        )
        plan = await rv.apply_reevaluation(
            FakeUow(store),
            workflows,
            FakeEngine(),
            ADMIN,
            request(),
        )
        assert [(i.nomination, i.applied, i.error) for i in plan.items] == [
            ("A", False, "Đã xét lại theo phiên bản này."),
            ("B", True, None),
            ("C", False, "Hồ sơ đã kết thúc quy trình."),
        ]

    async def test_only_rules_admins_apply(self) -> None:
        """An auditor may preview but not apply: refused before any workflow is touched."""
        store = FakeRulesVersions([nomination("A")])
        workflows = FakeWorkflows()
        with pytest.raises(Refusal) as exc:
            await rv.apply_reevaluation(
                FakeUow(store),
                workflows,
                FakeEngine(),
                AUDITOR,
                request(),
            )
        assert exc.value.code is RefusalCode.FORBIDDEN and workflows.calls == []

    async def test_an_unknown_target_is_not_found(self) -> None:
        """A target version that is not stored: not_found, nothing sent."""
        workflows = FakeWorkflows()
        body = rv.ReevaluationRequest(ruleset_id="ntm-2024", version="9")
        with pytest.raises(Refusal) as exc:
            await rv.apply_reevaluation(
                FakeUow(FakeRulesVersions([nomination("A")])),
                workflows,
                FakeEngine(),
                ADMIN,
                body,
            )
        assert exc.value.code is RefusalCode.NOT_FOUND and workflows.calls == []
