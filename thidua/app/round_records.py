"""Finding a round by its key (shared by the rounds' and the publication's use cases)."""

from __future__ import annotations

from thidua.app.ports.rounds import RoundRecord
from thidua.app.ports.uow import Tx
from thidua.domain.refusals import Refusal, RefusalCode


def round_of(tx: Tx, key: str) -> RoundRecord:
    found = tx.rounds.get(key)
    if found is None:
        raise Refusal(RefusalCode.NOT_FOUND, f"Không tìm thấy đợt xét «{key}».")
    return found
