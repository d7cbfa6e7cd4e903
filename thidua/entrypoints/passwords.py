"""The cost of console password hashes, from the settings (``passwords``)."""

from __future__ import annotations

from thidua.app.accounts.console import HashingCost, configure_hashing
from thidua.config import PasswordSettings


def configure_password_hashing(settings: PasswordSettings) -> None:
    configure_hashing(
        HashingCost(
            memory_kib=settings.memory_kib,
            time_cost=settings.time_cost,
            parallelism=settings.parallelism,
        )
    )
