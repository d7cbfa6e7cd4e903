"""First-start sample data: the Department, its staff, sample accounts and the 2024 movement.

``load_sample_data`` loads the sample data set (``thidua/datasets/sample/``: the agency's
profile, units, staff and movement, through the same use cases as any agency's files) and the
sample accounts of ``thidua.app.sample_data`` into an empty database and issues a token
per sample account (audited ``token.created``, by the system); ``assign_demo_passwords`` gives
the console's sample accounts a random demo password. ``thidua up`` keeps what they return (the
only copy of the tokens and passwords) for the local operator.
"""

from __future__ import annotations

import secrets

from pydantic import BaseModel

from thidua.app import sample_data
from thidua.app.accounts.console import set_password
from thidua.app.accounts.tokens import issue_token
from thidua.app.agency import load_profile_file
from thidua.app.movements import load_movements_file
from thidua.app.org import SAMPLE_ORG_FILES, load_org_files
from thidua.app.ports.accounts import NewAccount
from thidua.app.ports.uow import Tx
from thidua.app.sample_data import SAMPLE_DATASET
from thidua.domain.roles import Role


class SampleAccountToken(BaseModel):
    username: str
    display_name: str
    role: str
    unit: str | None
    token: str
    password: str | None = None  # console demo password (set by ``thidua up``)


def has_data(tx: Tx) -> bool:
    return tx.org.has_units()


def load_sample_data(tx: Tx) -> list[SampleAccountToken]:
    """Insert the sample Department (only into an empty database) and issue sample tokens."""
    if has_data(tx):
        return []
    load_profile_file(tx, SAMPLE_DATASET / "agency.yaml", "system")
    load_org_files(tx, SAMPLE_ORG_FILES, "system")
    load_movements_file(tx, SAMPLE_DATASET / "movements.yaml", "system")
    accounts = tx.accounts.seed_accounts(
        [
            NewAccount(
                username=a.username,
                display_name=a.display_name,
                role=Role(a.role),
                unit=a.unit_code,
                staff=a.staff_code,
            )
            for a in sample_data.ACCOUNTS
        ]
    )
    tokens: list[SampleAccountToken] = []
    for a in accounts:
        token, _ = issue_token(tx, a.username, name="sample")
        tokens.append(
            SampleAccountToken(
                username=a.username,
                display_name=a.display_name,
                role=a.role,
                unit=a.unit,
                token=token,
            )
        )
    return tokens


def demo_password() -> str:
    """A random password for a sample account (printed by ``make run``, kept in a mode-600 file)."""
    return "demo-" + secrets.token_urlsafe(9)


def assign_demo_passwords(tx: Tx, accounts: list[SampleAccountToken]) -> list[SampleAccountToken]:
    """Give each freshly created sample account a random demo password (returned once)."""
    out = []
    for acc in accounts:
        if acc.role == Role.PIPELINE:  # service accounts integrate through the API only
            out.append(acc)
            continue
        password = demo_password()
        set_password(tx, acc.username, password)
        out.append(acc.model_copy(update={"password": password}))
    return out
