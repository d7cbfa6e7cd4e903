"""The agency profile in the database (SQLite and PostgreSQL): versions, the one in force on a
date, the audit trail, and round documents taking the profile in force on their date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from rules.registry import RulesRegistry
from tests.integration.test_round_documents import docx_text, make_round1
from tests.support.agency import reorganised_profile, sample_profile
from tests.support.db import SeededDb
from thidua.adapters.db.models import AgencyProfileRow, AgencyRow, DocumentRow
from thidua.adapters.documents import FileDocumentRenderer
from thidua.app import agency
from thidua.app.documents import issue_round_documents
from thidua.app.ports.audit import AuditFilter
from thidua.app.sample_data import MOVEMENT
from thidua.domain.audit import Entry
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role

ADMIN = Actor(username="quantri.hethong", role=Role.ADMIN)
OFFICE = Actor(username="vanphong", role=Role.OFFICE)


def sample() -> dict[str, Any]:
    return sample_profile()


def reorganised() -> dict[str, Any]:
    return reorganised_profile()


def audit_entries(db: SeededDb) -> list[Entry]:
    with db.uow() as tx:
        return tx.audit.find(AuditFilter(action="agency.profile_set"), None, 100)


def profile_rows(db: SeededDb) -> int:
    with db.uow.session() as s:
        return int(s.scalar(select(func.count()).select_from(AgencyProfileRow)) or 0)


class TestProfileVersions:
    def test_the_sample_database_has_the_sample_profile_from_its_file(
        self, seeded: SeededDb
    ) -> None:
        """The seed loads datasets/sample/agency.yaml: version 1 from 2024-01-01, audited."""
        with seeded.uow() as tx:
            history = agency.history(tx)
            assert [v.version for v in history] == [1]
            assert history[0].profile.symbol == "SLĐTBXH"
            assert agency.show(tx, dt.date(2024, 1, 1)).version == 1
            with pytest.raises(Refusal) as caught:
                agency.show(tx, dt.date(2023, 12, 31))
        assert caught.value.code is RefusalCode.NOT_FOUND
        assert "31/12/2023" in caught.value.message and "thidua agency set" in caught.value.message
        (entry,) = audit_entries(seeded)
        assert (entry.actor, entry.before, entry.after["version"]) == ("system", None, 1)  # type: ignore[index]

    def test_a_new_version_takes_effect_from_its_date_and_is_audited(
        self, seeded: SeededDb
    ) -> None:
        """Version 2 from 2025-07-01: version 1 before it, 2 from it; before/after in the audit."""
        with seeded.uow() as tx:
            result = agency.set_profile(tx, ADMIN, reorganised())
        assert result.created and result.version.version == 2
        with seeded.uow() as tx:
            assert agency.show(tx, dt.date(2025, 6, 30)).version == 1
            assert agency.show(tx, dt.date(2025, 7, 1)).profile.name == "SỞ NỘI VỤ"
            assert [v.version for v in agency.history(tx)] == [2, 1]
        entry = audit_entries(seeded)[-1]
        assert (entry.actor, entry.actor_role, entry.object_id) == (
            "quantri.hethong",
            "admin",
            "SLDTBXH-BP",
        )
        assert entry.before is not None and entry.before["version"] == 1
        assert entry.after is not None and entry.after["version"] == 2
        assert entry.after["sha256"] == result.version.sha256
        assert entry.after["profile"]["symbol"] == "SNV"

    def test_an_identical_file_creates_nothing_and_says_so(self, seeded: SeededDb) -> None:
        """The version in force from the same date, byte for byte: no version, no audit entry."""
        with seeded.uow() as tx:
            result = agency.set_profile(tx, ADMIN, sample())
        assert not result.created and result.version.version == 1
        assert "không tạo phiên bản mới" in result.message
        assert profile_rows(seeded) == 1 and len(audit_entries(seeded)) == 1

    def test_a_correction_from_the_same_date_wins_over_the_earlier_version(
        self, seeded: SeededDb
    ) -> None:
        """Two versions from the same date: the higher version is in force."""
        corrected = sample()
        corrected["place"] = "Đồng Xoài"
        with seeded.uow() as tx:
            assert agency.set_profile(tx, ADMIN, corrected).version.version == 2
        with seeded.uow() as tx:
            assert agency.show(tx, dt.date(2024, 6, 1)).profile.place == "Đồng Xoài"

    def test_another_agency_code_and_other_roles_are_refused_writing_nothing(
        self, seeded: SeededDb
    ) -> None:
        """A second agency is a conflict naming `code`; a non-admin is forbidden; nothing stored."""
        other = reorganised()
        other["code"] = "SNV-DN"
        with pytest.raises(Refusal) as conflict, seeded.uow() as tx:
            agency.set_profile(tx, ADMIN, other)
        assert (conflict.value.code, conflict.value.field) == (RefusalCode.CONFLICT, "code")
        with pytest.raises(Refusal) as forbidden, seeded.uow() as tx:
            agency.set_profile(tx, OFFICE, reorganised())
        assert forbidden.value.code is RefusalCode.FORBIDDEN
        bad = reorganised()
        bad["recipients"]["report"] = []
        with pytest.raises(Refusal) as invalid, seeded.uow() as tx:
            agency.set_profile(tx, ADMIN, bad)
        assert invalid.value.field == "recipients.report"
        assert profile_rows(seeded) == 1 and len(audit_entries(seeded)) == 1
        with seeded.uow.session() as s:
            assert s.scalars(select(AgencyRow.code)).all() == ["SLDTBXH-BP"]


def issue(db: SeededDb, key: str, out: Path, on: dt.date) -> dict[str, str]:
    with db.uow() as tx:
        docs = issue_round_documents(
            tx,
            key,
            registry=RulesRegistry.from_directory(),
            renderer=FileDocumentRenderer(out),
            issued_on=on,
            with_pdf=False,
        )
        return {d.kind: str(d.files["docx"]) for d in docs}


class TestDocumentsTakeTheProfileInForce:
    def test_documents_dated_after_the_reorganisation_carry_the_new_profile(
        self, seeded: SeededDb, tmp_path: Path
    ) -> None:
        """Issued 2025-08-01: the new names, place, symbol and recipients; the minutes, dated at the
        2024 meeting, keep the old profile."""
        with seeded.uow() as tx:
            agency.set_profile(tx, ADMIN, reorganised())
        files = issue(seeded, make_round1(seeded), tmp_path, dt.date(2025, 8, 1))
        decision = docx_text(files["decision"])
        assert "UBND TỈNH ĐỒNG NAI" in decision and "SỞ NỘI VỤ" in decision
        assert "Số: 01/QĐ-SNV" in decision
        assert "Đồng Nai, ngày 01 tháng 8 năm 2025" in decision
        assert (
            "Căn cứ Quyết định quy định chức năng, nhiệm vụ của Sở Nội vụ tỉnh Đồng Nai" in decision
        )
        assert "Ban Thi đua – Khen thưởng tỉnh Đồng Nai;" in decision
        assert "Trương Minh Khôi" in decision  # the leadership member titled Giám đốc signs
        # Nothing of the old profile (the 2024 plan's number and the movement's name are the
        # movement's data, left out here).
        ours = "\n".join(line for line in decision.splitlines() if "Kế hoạch số" not in line)
        ours = ours.replace(MOVEMENT.name, "")
        for gone in ("BÌNH PHƯỚC", "Bình Phước", "SLĐTBXH", "THƯƠNG BINH", "Thương binh"):
            assert gone not in ours
        submission = docx_text(files["submission"])
        assert "Số: 01/TTr-SNV" in submission
        assert "Kính gửi: Ban Thi đua – Khen thưởng tỉnh Đồng Nai\n" in submission
        assert "Số: 01/BC-SNV" in docx_text(files["report"])
        minutes = docx_text(files["minutes"])
        assert "Bình Phước, ngày 20 tháng 12 năm 2024" in minutes

    def test_documents_dated_before_it_keep_the_old_profile(
        self, seeded: SeededDb, tmp_path: Path
    ) -> None:
        """Issued 2024-12-26 with the 2025 version stored: the 2024 profile, numbers as before."""
        with seeded.uow() as tx:
            agency.set_profile(tx, ADMIN, reorganised())
        files = issue(seeded, make_round1(seeded), tmp_path, dt.date(2024, 12, 26))
        decision = docx_text(files["decision"])
        assert "Số: 01/QĐ-SLĐTBXH" in decision and "UBND TỈNH BÌNH PHƯỚC" in decision
        assert "Đồng Nai" not in decision and "SNV" not in decision

    def test_no_profile_in_force_on_the_date_is_refused_naming_it(
        self, seeded: SeededDb, tmp_path: Path
    ) -> None:
        """A document dated before every profile: refused with the date and the command, nothing issued."""
        key = make_round1(seeded)
        with pytest.raises(Refusal) as caught:
            issue(seeded, key, tmp_path, dt.date(2023, 12, 1))
        assert caught.value.code is RefusalCode.NOT_FOUND
        assert "01/12/2023" in caught.value.message
        assert "thidua agency set" in caught.value.message
        with seeded.uow.session() as s:
            assert s.scalar(select(func.count()).select_from(DocumentRow)) == 0


class TestFromNothing:
    def test_the_first_profile_creates_the_agency(self, db_url: str, tmp_path: Path) -> None:
        """On an empty database the first `set` creates the agency from `code`, version 1."""
        from thidua.adapters.db.migrate import upgrade
        from thidua.adapters.db.session import make_engine
        from thidua.adapters.db.uow import SqlUnitOfWork

        upgrade(db_url)
        engine = make_engine(db_url)
        try:
            uow = SqlUnitOfWork(engine)
            path = tmp_path / "agency.yaml"
            path.write_text(
                yaml.safe_dump(json_data(reorganised()), allow_unicode=True), encoding="utf-8"
            )
            with uow() as tx:
                assert tx.agency.agency_code() is None
                result = agency.load_profile_file(tx, path, "os:operator")
            assert result.created and result.version.version == 1
            with uow() as tx:
                assert tx.agency.agency_code() == "SLDTBXH-BP"
                assert agency.show(tx, dt.date(2025, 7, 1)).created_by == "os:operator"
        finally:
            engine.dispose()


def json_data(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "effective_from": data["effective_from"].isoformat()}
