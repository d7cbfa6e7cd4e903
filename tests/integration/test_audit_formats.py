"""The audit chain's format versions on SQLite and PostgreSQL: new entries hashed with RFC 8785
(format 2), entries written before it (format 1, sorted JSON) still verify, one chain mixes both,
and exports carry each entry's version so an outsider recomputes every hash."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import rfc8785
import sqlalchemy as sa

from thidua.adapters.db.audit import record
from thidua.adapters.db.migrate import upgrade
from thidua.adapters.db.models import AuditEntryRow
from thidua.adapters.db.session import make_engine
from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.app import audit
from thidua.domain.audit import GENESIS_HASH, HASHED_FIELDS, ChainReport
from thidua.domain.audit_export import check_export

AT = "%Y-%m-%dT%H:%M:%S.%fZ"


def _utc_text(value: datetime) -> str:
    return (value.astimezone(UTC) if value.tzinfo else value).strftime(AT)


def _fields(row: AuditEntryRow, v: int) -> dict[str, Any]:
    """An entry's hashed fields, built here from the row alone (not with the code under test)."""
    return {
        "v": v,
        "seq": row.seq,
        "at": _utc_text(row.at),
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "actor": row.actor,
        "actor_role": row.actor_role,
        "workflow_id": row.workflow_id,
        "run_id": row.run_id,
        "before": row.before,
        "after": row.after,
    }


def _sorted_json(value: Any) -> bytes:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def _write_old_entries(url: str, n: int) -> None:
    """Entries as the writer before format versions stored them: schema 0007, sorted JSON."""
    upgrade(url, "0007")
    engine = make_engine(url)
    table = sa.Table("audit_log", sa.MetaData(), autoload_with=engine)
    prev = GENESIS_HASH
    start = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    with engine.begin() as conn:
        for i in range(n):
            at = start + timedelta(minutes=i, microseconds=123456)
            after = {"stage": "unit_review", "lý_do": "Đủ điều kiện", "x": 1.5, "n": i}
            fields = {
                "v": 1,
                "seq": i + 1,
                "at": at.strftime(AT),
                "action": "nomination.step",
                "object_type": "nomination",
                "object_id": f"old-{i}",
                "actor": "canbo.ldvl",
                "actor_role": "unit_officer",
                "workflow_id": None,
                "run_id": None,
                "before": None,
                "after": after,
            }
            digest = hashlib.sha256(prev.encode() + _sorted_json(fields)).hexdigest()
            values = {k: v for k, v in fields.items() if k not in ("v", "at")}
            conn.execute(
                table.insert().values(
                    **values, at=at.replace(tzinfo=None), prev_hash=prev, entry_hash=digest
                )
            )
            prev = digest
    engine.dispose()


@pytest.fixture
def mixed(db_url: str) -> Iterator[SqlUnitOfWork]:
    """A chain of 3 entries written before the migration (format 1), then 2 new ones."""
    _write_old_entries(db_url, 3)
    upgrade(db_url)
    uow = SqlUnitOfWork(make_engine(db_url))
    for i in range(2):
        with uow.session() as session:
            record(
                session,
                action="user.created",
                object_type="user",
                object_id=f"new-{i}",
                actor="os:operator",
                actor_role="operator",
                after={"role": "auditor", "lý_do": "Đủ điều kiện", "x": 2.0},
            )
    yield uow
    uow.engine.dispose()


def _rows(uow: SqlUnitOfWork) -> list[AuditEntryRow]:
    with uow.session() as session:
        return list(session.scalars(sa.select(AuditEntryRow).order_by(AuditEntryRow.seq)))


def _verify(uow: SqlUnitOfWork) -> ChainReport:
    with uow() as tx:
        return audit.verify(tx)


def _tamper(uow: SqlUnitOfWork, statement: str, **params: int) -> None:
    with uow.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(sa.text("DROP TRIGGER audit_log_no_update"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_log_no_change ON audit_log"))
        conn.execute(sa.text(statement), params)


class TestFormatVersions:
    """Each entry is verified with the encoding it was hashed with; history is not rewritten."""

    def test_new_entries_are_hashed_with_rfc_8785(self, mixed: SqlUnitOfWork) -> None:
        """A new entry is format 2: its hash is sha256(prev_hash + JCS(fields)), recomputed
        here with the rfc8785 package from the stored row alone."""
        rows = _rows(mixed)
        for prev, row in itertools.pairwise(rows[2:]):
            assert row.format_version == 2
            independent = hashlib.sha256(
                prev.entry_hash.encode() + rfc8785.dumps(_fields(row, 2))
            ).hexdigest()
            assert row.prev_hash == prev.entry_hash and row.entry_hash == independent

    def test_a_chain_mixing_old_and_new_entries_verifies(self, mixed: SqlUnitOfWork) -> None:
        """Entries from before the migration stay format 1 with their hashes; the chain of
        five, two formats, verifies."""
        rows = _rows(mixed)
        assert [r.format_version for r in rows] == [1, 1, 1, 2, 2]
        prev = GENESIS_HASH
        for row in rows[:3]:
            expected = hashlib.sha256(prev.encode() + _sorted_json(_fields(row, 1))).hexdigest()
            assert row.entry_hash == expected
            prev = row.entry_hash
        assert rows[3].prev_hash == rows[2].entry_hash
        report = _verify(mixed)
        assert (report.ok, report.entries, report.head_hash) == (True, 5, rows[-1].entry_hash)

    @pytest.mark.parametrize("seq", [2, 4])
    def test_tampering_is_caught_in_either_format(self, mixed: SqlUnitOfWork, seq: int) -> None:
        """An edited actor is named, in an old entry (2) as in a new one (4)."""
        _tamper(mixed, "UPDATE audit_log SET actor = 'ke.gian' WHERE seq = :seq", seq=seq)
        problem = _verify(mixed).problem
        assert problem is not None and (problem.kind, problem.seq) == ("modified", seq)

    @pytest.mark.parametrize(("seq", "version"), [(2, 2), (4, 1), (5, 7)])
    def test_a_changed_format_version_is_caught(
        self, mixed: SqlUnitOfWork, seq: int, version: int
    ) -> None:
        """The version is hashed too: restating it (even as an unknown one) breaks the entry."""
        _tamper(
            mixed, "UPDATE audit_log SET format_version = :v WHERE seq = :seq", v=version, seq=seq
        )
        problem = _verify(mixed).problem
        assert problem is not None and (problem.kind, problem.seq) == ("modified", seq)

    def test_an_integer_jcs_cannot_encode_is_written_in_format_1(
        self, mixed: SqlUnitOfWork
    ) -> None:
        """RFC 8785 stops at 2**53 - 1: such an entry is still written (format 1) and verifies."""
        with mixed.session() as session:
            row = record(
                session,
                action="document.issued",
                object_type="document",
                object_id="big",
                actor=None,
                after={"amount": 2**60},
            )
            assert row.format_version == 1
        assert _verify(mixed).ok


class TestExportsCarryTheVersion:
    """An export says each entry's version, so it is checked without our code or database."""

    @pytest.mark.parametrize("fmt", ["jsonl", "csv"])
    def test_mixed_export_checks_and_names_an_edit(self, mixed: SqlUnitOfWork, fmt: str) -> None:
        """Both formats in one file check; an edited old or new entry is named by its line."""
        out = io.StringIO()
        with mixed() as tx:
            audit.export(tx, out, start=None, end=None, fmt=fmt)  # type: ignore[arg-type]
        text = out.getvalue()
        check = check_export(io.StringIO(text), fmt)  # type: ignore[arg-type]
        assert (check.ok, check.entries, check.head_seq) == (True, 5, 5)
        header = 1 if fmt == "csv" else 0
        for seq, needle in ((1, "old-0"), (5, "new-1")):
            forged = text.replace(needle, "ke.gian", 1)
            check = check_export(io.StringIO(forged), fmt)  # type: ignore[arg-type]
            assert check.problem is not None
            assert check.problem.startswith(f"Dòng {seq + header} (mục {seq})")

    def test_each_jsonl_record_recomputes_with_a_standard_tool(self, mixed: SqlUnitOfWork) -> None:
        """v 1: sorted JSON; v 2: rfc8785.dumps of the record's hashed fields."""
        out = io.StringIO()
        with mixed() as tx:
            audit.export(tx, out, start=None, end=None, fmt="jsonl")
        records = [json.loads(line) for line in out.getvalue().splitlines()][:-1]
        assert [r["v"] for r in records] == [1, 1, 1, 2, 2]
        prev = GENESIS_HASH
        for rec in records:
            fields = {k: rec[k] for k in HASHED_FIELDS}
            text = rfc8785.dumps(fields) if rec["v"] == 2 else _sorted_json(fields)
            assert hashlib.sha256(prev.encode() + text).hexdigest() == rec["entry_hash"]
            prev = rec["entry_hash"]

    def test_an_export_made_before_versions_still_checks(self, db_url: str) -> None:
        """Records without ``v`` (exports written before format 2) are format 1."""
        _write_old_entries(db_url, 3)
        upgrade(db_url)
        uow = SqlUnitOfWork(make_engine(db_url))
        try:
            out = io.StringIO()
            with uow() as tx:
                audit.export(tx, out, start=None, end=None, fmt="jsonl")
        finally:
            uow.engine.dispose()
        lines = [json.loads(line) for line in out.getvalue().splitlines()]
        old = "".join(json.dumps({k: v for k, v in r.items() if k != "v"}) + "\n" for r in lines)
        check = check_export(io.StringIO(old), "jsonl")
        assert (check.ok, check.entries) == (True, 3)
