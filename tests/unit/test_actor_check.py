"""The check of an update's actor against our accounts (issue 16 #14a), over fakes of its ports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from thidua.app.accounts.actors import verify_actor
from thidua.app.ports.accounts import Account
from thidua.app.ports.nominations import NominationRef
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import ACTOR_NOT_RECORDED, OFFICE_ROBOT, Actor, Role

AT = datetime(2024, 12, 1, tzinfo=UTC)
KEY = "NTM-2024_2024_NV018"


def account(username: str, role: Role, unit: str | None = None, **kw: Any) -> Account:
    return Account(
        id=1,
        username=username,
        display_name=username,
        role=role.value,
        unit=unit,
        grants=kw.get("grants", ()),
        active=kw.get("active", True),
        created_at=AT,
    )


@dataclass
class FakeRound:
    key: str
    movement: str
    year: int
    appraisal: dict[str, Any] | None


@dataclass
class FakeTx:
    known: dict[str, Account] = field(default_factory=dict)
    rounds_: list[FakeRound] = field(default_factory=list)

    @property
    def accounts(self) -> FakeTx:
        return self

    @property
    def nominations(self) -> FakeTx:
        return self

    @property
    def rounds(self) -> FakeTx:
        return self

    def account(self, username: str) -> Account | None:
        return self.known.get(username)

    def ref(self, key: str) -> NominationRef | None:
        return NominationRef(unit="LDVL", stage="office_review", movement="NTM-2024", year=2024)

    def latest(self, movement: str, year: int) -> FakeRound | None:
        return self.rounds_[-1] if self.rounds_ else None

    def list_rounds(self) -> list[FakeRound]:
        return self.rounds_


TX = FakeTx(
    {
        "truongphong.ldvl": account("truongphong.ldvl", Role.UNIT_HEAD, "LDVL", grants=("GDNN",)),
        "giamdoc": account("giamdoc", Role.DIRECTOR),
        "cu.giamdoc": account("cu.giamdoc", Role.DIRECTOR, active=False),
    }
)


def refusal(tx: FakeTx, actor: Actor, **kw: Any) -> Refusal:
    with pytest.raises(Refusal) as info:
        verify_actor(tx, actor, **kw)  # type: ignore[arg-type]
    return info.value


class TestVerifyActor:
    @pytest.mark.parametrize(
        ("actor", "problem"),
        [
            (Actor(username="ai.do", role=Role.DIRECTOR), "không phải tài khoản"),
            (Actor(username="cu.giamdoc", role=Role.DIRECTOR), "là tài khoản đã bị khoá"),
            (Actor(username="truongphong.ldvl", role=Role.DIRECTOR), "có vai trò"),
            (
                Actor(username="truongphong.ldvl", role=Role.UNIT_HEAD, units=("LDVL", "VP")),
                "không được giao đơn vị VP",
            ),
        ],
    )
    def test_a_claim_our_accounts_do_not_record_is_refused_naming_the_actor(
        self, actor: Actor, problem: str
    ) -> None:
        """Unknown, deactivated, another role, a unit not granted: forbidden on ``actor``."""
        r = refusal(TX, actor)
        assert (r.code, r.field, r.problem) == (RefusalCode.FORBIDDEN, "actor", ACTOR_NOT_RECORDED)
        assert r.message.startswith(f"actor: «{actor.username}» {problem}")

    @pytest.mark.parametrize(
        "actor",
        [
            Actor(username="giamdoc", role=Role.DIRECTOR),
            Actor(username="truongphong.ldvl", role=Role.UNIT_HEAD, units=("LDVL", "GDNN")),
            Actor(username="truongphong.ldvl", role=Role.UNIT_HEAD, units=("LDVL",)),
        ],
    )
    def test_what_the_accounts_record_passes(self, actor: Actor) -> None:
        """The recorded role, with the recorded units (or fewer), passes."""
        verify_actor(TX, actor)  # type: ignore[arg-type]

    def test_the_office_robot_only_for_its_steps_on_an_appraised_nomination(self) -> None:
        """Without a round that appraised the nomination, or outside its steps: refused."""
        appraised = FakeRound("R1", "NTM-2024", 2024, {"results": [{"key": KEY}]})
        other = FakeRound("R2", "NTM-2024", 2024, {"results": [{"key": "NTM-2024_2024_NV019"}]})
        tx = FakeTx(dict(TX.known), [appraised, other])  # the appraising round is not the latest
        verify_actor(tx, OFFICE_ROBOT, system_allowed=True, nomination=KEY)  # type: ignore[arg-type]
        assert refusal(tx, OFFICE_ROBOT).field == "actor"
        assert refusal(tx, OFFICE_ROBOT, system_allowed=True, nomination="NTM-2024_2024_NV020")
        assert refusal(FakeTx(dict(TX.known)), OFFICE_ROBOT, system_allowed=True, nomination=KEY)
