"""Rules versions as governed data: the service over a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import insert, select

from rules.engine import RulesEngine
from rules.registry import NoRulesetInForce, RulesRegistry
from tests.support.db import SeededDb
from tests.support.rulesets import (
    CHANGED_CASES,
    TDKT_GOLDEN,
    TDKT_TEXT,
    V1_GOLDEN,
    V1_TEXT,
    v2_content,
    v2_golden,
)
from thidua.adapters.db.migrate import alembic_config, upgrade
from thidua.adapters.db.models import AuditEntryRow, RulesVersionRow
from thidua.adapters.db.rules_versions import db_engine, shipped_seed_rows
from thidua.adapters.db.session import make_engine
from thidua.app import rules_versions as rv
from thidua.domain.refusals import Refusal
from thidua.domain.roles import Actor, Role
from thidua.entrypoints.http import status_of

ADMIN1 = Actor(username="quantri.quydinh1", role=Role.RULES_ADMIN)
ADMIN2 = Actor(username="quantri.quydinh2", role=Role.RULES_ADMIN)
AUDITOR = Actor(username="kiemtoan", role=Role.AUDITOR)
OFFICER = Actor(username="canbo.ldvl", role=Role.UNIT_OFFICER, units=("LDVL",))


def upload_v2(db: SeededDb, *, green: bool = True, by: Actor = ADMIN1) -> None:
    with db.uow() as tx:
        rv.upload(tx, by, rv.UploadRequest(content=v2_content(), golden=v2_golden(green=green)))


def approve_v2(db: SeededDb) -> None:
    with db.uow() as tx:
        rv.approve(tx, ADMIN2, "ntm-2024", "2")


def publish_v2(db: SeededDb, engine: RulesEngine, start: dt.date) -> rv.RulesVersionView:
    with db.uow() as tx:
        return rv.publish(
            tx, ADMIN2, engine, "ntm-2024", "2", rv.PublishRequest(effective_from=start)
        )


def refused(fn: Any) -> Refusal:
    with pytest.raises(Refusal) as info:
        fn()
    return info.value


def audit_actions(db: SeededDb) -> list[tuple[str, str]]:
    with db.uow.session() as s:
        rows = s.scalars(select(AuditEntryRow).order_by(AuditEntryRow.seq))
        return [(r.action, r.object_id) for r in rows if r.action.startswith("rules.")]


@pytest.fixture
def engine(seeded: SeededDb) -> RulesEngine:
    return db_engine(seeded.uow)


class TestSeed:
    def test_migration_seeds_the_shipped_version_as_published(self, seeded: SeededDb) -> None:
        """A fresh database holds ntm-2024@1 (0006), tdkt-2025@1 (0010) and tdkt-2025@2 (0014,
        closing v1 on 31/12/2026), published by 'seed' with the loader's hashes, over windows
        that do not overlap."""
        with seeded.uow.session() as s:
            rows = {(r.ruleset_id, r.version): r for r in s.scalars(select(RulesVersionRow)).all()}
        assert sorted(rows) == [("ntm-2024", "1"), ("tdkt-2025", "1"), ("tdkt-2025", "2")]
        row = rows[("ntm-2024", "1")]
        shipped = RulesRegistry.from_directory().get("ntm-2024", "1")
        assert (row.status, row.author, row.sha256) == ("published", "seed", shipped.sha256)
        assert (row.effective_from, row.effective_to) == (
            dt.date(2024, 1, 1),
            dt.date(2025, 6, 30),
        )
        assert row.content == V1_TEXT and row.golden == V1_GOLDEN
        new = rows[("tdkt-2025", "1")]
        shipped_new = RulesRegistry.from_directory().get("tdkt-2025", "1")
        assert (new.status, new.author, new.sha256) == ("published", "seed", shipped_new.sha256)
        assert (new.effective_from, new.effective_to) == (
            dt.date(2025, 7, 1),
            dt.date(2026, 12, 31),
        )
        assert new.content == TDKT_TEXT and new.golden == TDKT_GOLDEN
        v2 = rows[("tdkt-2025", "2")]
        shipped_v2 = RulesRegistry.from_directory().get("tdkt-2025", "2")
        assert (v2.status, v2.author, v2.sha256) == ("published", "seed", shipped_v2.sha256)
        assert (v2.effective_from, v2.effective_to) == (dt.date(2027, 1, 1), None)
        assert (v2.supersedes, v2.supersedes_effective_to) == ("1", None)

    def test_registry_reads_the_database(self, seeded: SeededDb, engine: RulesEngine) -> None:
        """The engine chooses the seeded version by date and reports its hash: ntm-2024@1 up to
        30 June 2025, tdkt-2025@1 from 1 July 2025 (a 2025 year-end review, the 2026 round) to
        31 December 2026, tdkt-2025@2 from 1 January 2027."""
        lr = engine.registry.in_force(dt.date(2024, 12, 31))
        assert (lr.id, lr.version) == ("ntm-2024", "1")
        assert engine.registry.in_force(dt.date(2025, 6, 30)).id == "ntm-2024"
        for day in (dt.date(2025, 7, 1), dt.date(2025, 12, 20), dt.date(2026, 12, 31)):
            lr = engine.registry.in_force(day)
            assert (lr.id, lr.version, lr.effective_to) == (
                "tdkt-2025",
                "1",
                dt.date(2026, 12, 31),
            )
        lr = engine.registry.in_force(dt.date(2027, 1, 1))
        assert (lr.id, lr.version, lr.effective_to) == ("tdkt-2025", "2", None)
        with pytest.raises(NoRulesetInForce):
            engine.registry.in_force(dt.date(2023, 12, 31))

    def test_get_version_returns_ruleset_and_golden(self, seeded: SeededDb) -> None:
        """get_version (used by the decision explorer) parses the stored texts."""
        with seeded.uow() as tx:
            rs, golden = rv.get_version(tx, "ntm-2024", "1")
        assert rs.version == "1" and golden is not None and len(golden.cases) > 50


class TestUpload:
    """Upload checks (SQLite only: no database-specific behaviour here)."""

    def test_invalid_content_is_refused_with_line_and_column(self, seeded_sqlite: SeededDb) -> None:
        """A wrong type in the YAML names its line; nothing is stored."""
        bad = v2_content().replace("    value: 9\n", "    value: chín\n", 1)
        err = refused(lambda: upload_raw(seeded_sqlite, bad))
        assert err.problem == "rules_invalid" and status_of(err.code) == 422
        line = bad.splitlines().index("    value: chín") + 1
        assert any(e.line == line and e.field == "content" for e in err.errors), err.errors
        with seeded_sqlite.uow() as tx:
            stored = {(v.ruleset_id, v.version) for v in rv.list_versions(tx, ADMIN1)}
        assert stored == {("ntm-2024", "1"), ("tdkt-2025", "1"), ("tdkt-2025", "2")}  # seeded

    def test_golden_for_another_version_is_refused(self, seeded_sqlite: SeededDb) -> None:
        """Golden cases written for version 1 cannot be attached to version 2."""
        err = refused(lambda: upload_raw(seeded_sqlite, v2_content(), V1_GOLDEN))
        assert err.problem == "rules_invalid" and err.errors[0].field == "golden"

    def test_draft_can_be_replaced_but_published_cannot(self, seeded_sqlite: SeededDb) -> None:
        """Uploading the same id@version again replaces a draft; a published one is refused."""
        upload_v2(seeded_sqlite, green=False)
        upload_v2(seeded_sqlite, green=True, by=ADMIN2)
        with seeded_sqlite.uow() as tx:
            row = rv.show_version(tx, AUDITOR, "ntm-2024", "2")
        assert row.status == "draft" and row.author == ADMIN2.username
        assert row.golden == v2_golden(green=True)
        err = refused(lambda: upload_raw(seeded_sqlite, V1_TEXT))
        assert err.problem == "rules_version_exists"

    def test_only_rules_admins_write_and_auditors_read(self, seeded_sqlite: SeededDb) -> None:
        """A unit officer may not even read; an auditor reads but may not upload."""
        with seeded_sqlite.uow() as tx:
            assert status_of(refused(lambda: rv.list_versions(tx, OFFICER)).code) == 403
            assert rv.list_versions(tx, AUDITOR)[0].version == "1"
            err = refused(lambda: rv.upload(tx, AUDITOR, rv.UploadRequest(content=v2_content())))
            assert status_of(err.code) == 403


def upload_raw(db: SeededDb, content: str, golden: str | None = None) -> None:
    with db.uow() as tx:
        rv.upload(tx, ADMIN1, rv.UploadRequest(content=content, golden=golden))


class TestApproveAndPublish:
    def test_author_cannot_approve_own_version(self, seeded: SeededDb) -> None:
        """Four eyes: the author's approval is refused with a clear reason."""
        upload_v2(seeded)
        with seeded.uow() as tx:
            err = refused(lambda: rv.approve(tx, ADMIN1, "ntm-2024", "2"))
        assert err.problem == "rules_second_admin_required"
        assert "không được tự duyệt" in err.message

    def test_publishing_without_second_admin_is_refused(
        self, seeded: SeededDb, engine: RulesEngine
    ) -> None:
        """A draft nobody else approved cannot be published."""
        upload_v2(seeded)
        err = refused(lambda: publish_v2(seeded, engine, dt.date(2024, 7, 1)))
        assert err.problem == "rules_second_admin_required"
        assert "quản trị tiêu chí thứ hai" in err.message

    def test_publishing_with_a_failing_golden_case_is_refused(
        self, seeded: SeededDb, engine: RulesEngine
    ) -> None:
        """The failing cases are named and nothing changes (v1 stays in force)."""
        upload_v2(seeded, green=False)
        approve_v2(seeded)
        err = refused(lambda: publish_v2(seeded, engine, dt.date(2024, 7, 1)))
        assert err.problem == "rules_golden_failed"
        assert {e.field for e in err.errors} == {f"golden.{c}" for c in CHANGED_CASES}
        assert engine.registry.in_force(dt.date(2024, 12, 31)).version == "1"
        with seeded.uow() as tx:
            assert rv.show_version(tx, ADMIN1, "ntm-2024", "2").status == "approved"

    def test_publish_closes_previous_window_and_rollback_reopens_it(
        self, seeded: SeededDb, engine: RulesEngine
    ) -> None:
        """v2 from 2024-07-01 closes v1 on 2024-06-30; rolling back restores v1 to 2025-06-30."""
        upload_v2(seeded)
        approve_v2(seeded)
        view = publish_v2(seeded, engine, dt.date(2024, 7, 1))
        assert (view.status, view.effective_from, view.effective_to, view.supersedes) == (
            "published",
            dt.date(2024, 7, 1),
            dt.date(2025, 6, 30),
            "1",
        )
        reg = engine.registry
        assert reg.in_force(dt.date(2024, 6, 30)).version == "1"
        assert reg.in_force(dt.date(2024, 12, 31)).version == "2"
        assert reg.in_force(dt.date(2024, 6, 30)).effective_to == dt.date(2024, 6, 30)
        facts = {"kind": "individual", "id": "x", "year": 2024, "rating": "HTTNV"}
        nine = {**facts, "months_worked": 9}
        assert engine.evaluate(nine).titles == ["LDTT"]  # as of 31/12/2024: v2

        with seeded.uow() as tx:
            err = refused(lambda: rv.rollback(tx, ADMIN1, "ntm-2024", "1"))
            assert err.problem == "rules_wrong_status"  # not the latest published
            rv.rollback(tx, ADMIN1, "ntm-2024", "2")
        assert reg.in_force(dt.date(2024, 12, 31)).version == "1"
        assert reg.in_force(dt.date(2025, 6, 30)).version == "1"
        assert engine.evaluate(nine).titles == []
        pinned = engine.evaluate(nine, ruleset_id="ntm-2024", version="2")
        assert pinned.titles == ["LDTT"]  # retired versions stay loadable for pinned nominations
        with seeded.uow() as tx:
            err = refused(lambda: rv.rollback(tx, ADMIN1, "ntm-2024", "1"))
        assert err.problem == "rules_no_previous_version"
        assert audit_actions(seeded) == [
            ("rules.version.uploaded", "ntm-2024@2"),
            ("rules.version.approved", "ntm-2024@2"),
            ("rules.version.published", "ntm-2024@1"),
            ("rules.version.published", "ntm-2024@2"),
            ("rules.version.rolled_back", "ntm-2024@2"),
        ]

    def test_publish_before_the_current_version_starts_is_refused(
        self, seeded: SeededDb, engine: RulesEngine
    ) -> None:
        """A window starting on or before v1's start would hide v1 entirely: refused."""
        upload_v2(seeded)
        approve_v2(seeded)
        err = refused(lambda: publish_v2(seeded, engine, dt.date(2024, 1, 1)))
        assert err.problem == "rules_window_conflict"

    def test_retire_a_draft_and_diff_against_published(self, seeded: SeededDb) -> None:
        """The diff names the changed parameter; a retired draft can no longer be approved."""
        upload_v2(seeded)
        with seeded.uow() as tx:
            d = rv.diff_version(tx, AUDITOR, "ntm-2024", "2")
            assert d.from_version == "1"
            assert any(c.section == "parameter" and c.name == "min_months" for c in d.changes)
            rv.retire(tx, ADMIN1, "ntm-2024", "2")
            err = refused(lambda: rv.approve(tx, ADMIN2, "ntm-2024", "2"))
        assert err.problem == "rules_wrong_status"
        assert audit_actions(seeded)[-1] == ("rules.version.retired", "ntm-2024@2")


class TestSeedMigration2025:
    """The migration seeding tdkt-2025@1: idempotent, reversible (SQLite and PostgreSQL)."""

    @staticmethod
    def _revision(url: str) -> tuple[str, str]:
        """(revision, down_revision) of the migration seeding tdkt-2025 (found by content, so
        renumbering at merge does not matter)."""
        script = ScriptDirectory.from_config(alembic_config(url))
        (rev,) = [
            r for r in script.walk_revisions() if getattr(r.module, "RULESET_ID", "") == "tdkt-2025"
        ]
        assert isinstance(rev.down_revision, str)
        return rev.revision, rev.down_revision

    @staticmethod
    def _rows(url: str) -> list[tuple[str, str, str]]:
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    select(
                        RulesVersionRow.ruleset_id, RulesVersionRow.version, RulesVersionRow.author
                    ).order_by(RulesVersionRow.ruleset_id)
                ).all()
        finally:
            engine.dispose()
        return [(r[0], r[1], r[2]) for r in rows]

    def test_upgrade_downgrade_upgrade(self, db_url: str) -> None:
        """Before it only ntm-2024@1; after it tdkt-2025@1 too; downgrade removes the seeded row."""
        rev, down = self._revision(db_url)
        upgrade(db_url, down)
        assert self._rows(db_url) == [("ntm-2024", "1", "seed")]
        upgrade(db_url, rev)
        assert self._rows(db_url) == [("ntm-2024", "1", "seed"), ("tdkt-2025", "1", "seed")]
        command.downgrade(alembic_config(db_url), down)
        assert self._rows(db_url) == [("ntm-2024", "1", "seed")]
        upgrade(db_url, rev)
        assert [r[0] for r in self._rows(db_url)] == ["ntm-2024", "tdkt-2025"]

    def test_skips_a_version_already_present(self, db_url: str) -> None:
        """A tdkt-2025@1 an administrator stored before the migration is kept as it is, and a
        downgrade does not remove what the seed did not insert."""
        rev, down = self._revision(db_url)
        upgrade(db_url, down)
        engine = make_engine(db_url)
        now = dt.datetime.now(dt.UTC)
        (row,) = shipped_seed_rows(now, only={("tdkt-2025", "1")})
        try:
            with engine.begin() as conn:
                conn.execute(
                    insert(RulesVersionRow).values(
                        {**row, "author": ADMIN1.username, "created_at": now, "updated_at": now}
                    )
                )
        finally:
            engine.dispose()
        upgrade(db_url, rev)
        assert self._rows(db_url)[1] == ("tdkt-2025", "1", ADMIN1.username)
        command.downgrade(alembic_config(db_url), down)
        assert self._rows(db_url)[1] == ("tdkt-2025", "1", ADMIN1.username)

    def test_stored_as_draft_when_another_ruleset_covers_the_window(self, db_url: str) -> None:
        """A stand-in published by an administrator from 1 July 2025 (another ruleset id) keeps
        the dates: tdkt-2025@1 is stored as a draft, to approve and publish after closing it."""
        rev, down = self._revision(db_url)
        upgrade(db_url, down)
        engine = make_engine(db_url)
        now = dt.datetime.now(dt.UTC)
        (v1,) = shipped_seed_rows(now, only={("ntm-2024", "1")})
        stand_in = {
            **v1,
            "version": "2",
            "author": ADMIN1.username,
            "approved_by": ADMIN2.username,
            "published_by": ADMIN2.username,
            "effective_from": dt.date(2025, 7, 1),
            "effective_to": None,
            "created_at": now,
            "updated_at": now,
        }
        try:
            with engine.begin() as conn:
                conn.execute(insert(RulesVersionRow).values(stand_in))
            upgrade(db_url, rev)
            with engine.connect() as conn:
                row = conn.execute(
                    select(
                        RulesVersionRow.status,
                        RulesVersionRow.effective_from,
                        RulesVersionRow.published_by,
                    ).where(RulesVersionRow.ruleset_id == "tdkt-2025")
                ).one()
        finally:
            engine.dispose()
        assert tuple(row) == ("draft", None, None)


class TestSeedMigration0014:
    """The migration seeding tdkt-2025@2 (discipline's end date): closes v1, reversible."""

    @staticmethod
    def _revision(url: str) -> tuple[str, str]:
        script = ScriptDirectory.from_config(alembic_config(url))
        (rev,) = [
            r for r in script.walk_revisions() if getattr(r.module, "SEEDED_ID", "") == "tdkt-2025"
        ]
        assert isinstance(rev.down_revision, str)
        return rev.revision, rev.down_revision

    @staticmethod
    def _windows(url: str) -> dict[tuple[str, str], tuple[Any, Any, str]]:
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    select(
                        RulesVersionRow.ruleset_id,
                        RulesVersionRow.version,
                        RulesVersionRow.effective_from,
                        RulesVersionRow.effective_to,
                        RulesVersionRow.status,
                    )
                ).all()
        finally:
            engine.dispose()
        return {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows}

    def test_upgrade_closes_v1_and_downgrade_reopens_it(self, db_url: str) -> None:
        """After it v2 is published from 2027 and v1 ends on 31/12/2026; a downgrade removes v2
        and gives v1 back its open end; upgrading again does the same once."""
        rev, down = self._revision(db_url)
        upgrade(db_url, down)
        before = self._windows(db_url)
        assert before[("tdkt-2025", "1")] == (dt.date(2025, 7, 1), None, "published")
        upgrade(db_url, rev)
        after = self._windows(db_url)
        assert after[("tdkt-2025", "1")] == (
            dt.date(2025, 7, 1),
            dt.date(2026, 12, 31),
            "published",
        )
        assert after[("tdkt-2025", "2")] == (dt.date(2027, 1, 1), None, "published")
        command.downgrade(alembic_config(db_url), down)
        assert self._windows(db_url) == before
        upgrade(db_url, rev)
        assert self._windows(db_url) == after
