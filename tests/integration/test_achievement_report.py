"""The achievement report's data from the database: earlier awards with their decisions, and the
use case over a real round (SQLite; the round and its documents as in test_round_documents)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from rules.registry import RulesRegistry
from tests.integration.test_round_documents import (  # the sample round and its documents
    ISSUED,
    db,  # noqa: F401  (fixture)
    generate,
    make_round1,
    registry,  # noqa: F401  (fixture)
)
from tests.support.db import SeededDb
from thidua.adapters.db.models import NominationRow
from thidua.app.achievement import achievement_report
from thidua.domain.documents.achievement import Grid
from thidua.domain.roles import Actor, Role

OFFICE = Actor(username="vanphong", role=Role.OFFICE)


def test_awards_received_are_the_approved_ones_of_earlier_years(
    db: SeededDb,  # noqa: F811
    tmp_path: Path,
    registry: RulesRegistry,  # noqa: F811
) -> None:
    """Director-level awards carry the round's decision; a province award approved by the
    province has none here; rejected, pending and same-year items are left out."""
    key = make_round1(db)
    generate(db, key, tmp_path, registry)
    with db.uow() as tx:
        nv017 = tx.rounds.awards_received("individual", "NV017", 2025)
        nv023 = tx.rounds.awards_received("individual", "NV023", 2025)
        assert tx.rounds.awards_received("individual", "NV031", 2025) == []
        assert tx.rounds.awards_received("collective", "BTXH", 2025) == []
        assert tx.rounds.awards_received("individual", "NV017", 2024) == []
    assert [(a.year, a.code, a.decision_number, a.decision_date) for a in nv017] == [
        (2024, "CSTDCS", "01/QĐ-SLĐTBXH", ISSUED),
        (2024, "LDTT", "01/QĐ-SLĐTBXH", ISSUED),
    ]
    assert [(a.code, a.level, a.decision_number) for a in nv023] == [
        ("BANG_KHEN_UBND_TINH", "province", None),
        ("LDTT", "director", "01/QĐ-SLĐTBXH"),
    ]


def test_the_use_case_fills_the_report_of_a_round_nomination(
    db: SeededDb,  # noqa: F811
    registry: RulesRegistry,  # noqa: F811
) -> None:
    """The 2024 nomination of NV017 gets Decree 98's form, the staff record's name and
    position, and the 2023 title its facts declare."""
    make_round1(db)
    with db.uow.session() as session:
        key = session.scalars(
            select(NominationRow.key).where(NominationRow.nominee_code == "NV017")
        ).one()
    with db.uow() as tx:
        doc = achievement_report(tx, OFFICE, key, registry=registry)
        staff = tx.org.staff_member("NV017")
    assert staff is not None
    assert doc.form_code == "ND98_INDIVIDUAL"
    assert doc.nominee_name == staff.full_name
    profile = doc.sections[0].items
    assert any(getattr(i, "value", None) == staff.position for i in profile)
    titles = next(s for s in doc.sections if s.heading == "1. Danh hiệu thi đua").items[0]
    assert isinstance(titles, Grid)
    assert titles.rows[0] == [
        "2023",
        "Chiến sĩ thi đua cơ sở",
        "Theo hồ sơ đề nghị (số quyết định: chưa có)",
    ]
