"""The Director's revocation of an award, as the API, the console and the CLI take it: the use
case with its revocation decision issued at once, dated today in Vietnam, its files written
under the settings' documents directory (where the round's documents are)."""

from __future__ import annotations

from datetime import UTC, datetime

from rules.registry import RulesRegistry
from thidua.adapters.documents import FileDocumentRenderer
from thidua.app import rounds
from thidua.app.documents import revocation_issuer
from thidua.app.ports.rounds import AwardItemView
from thidua.app.ports.uow import Tx
from thidua.config import Settings
from thidua.domain.documents.register import vietnam_date
from thidua.domain.roles import Actor


def revoke_award(
    tx: Tx,
    actor: Actor,
    nomination: str,
    code: str,
    reason: str,
    *,
    settings: Settings,
    registry: RulesRegistry,
) -> AwardItemView:
    """Revoke the nomination's award ``code`` with ``reason`` and issue the decision revoking it."""
    issue = revocation_issuer(registry, FileDocumentRenderer(settings.var_dir / "documents"))
    on = vietnam_date(datetime.now(UTC))
    return rounds.revoke_award(tx, actor, nomination, code, reason, issue_revocation=issue, on=on)
