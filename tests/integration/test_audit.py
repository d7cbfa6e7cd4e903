"""The hash-chained audit log on SQLite and PostgreSQL: chaining, refusal by the database, tamper
detection by ``verify`` (after the protection is dropped as a superuser would), concurrency.

One module (a little over 500 lines): the cases share the two databases' fixtures and the
superuser steps that drop and restore the protection."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
import rfc8785
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from thidua.adapters.db.audit import entry_of, head, record
from thidua.adapters.db.migrate import upgrade
from thidua.adapters.db.models import AuditEntryRow
from thidua.adapters.db.session import make_engine
from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.app import audit
from thidua.config import PROJECT_ROOT
from thidua.domain.audit import (
    GENESIS_HASH,
    HASHED_FIELDS,
    ChainReport,
    Entry,
    canonical_entry,
    entry_hash,
    format_at,
    hash_new_entry,
)
from thidua.domain.audit_export import check_export
from thidua.domain.refusals import Refusal


@pytest.fixture
def uow(db_url: str) -> Iterator[SqlUnitOfWork]:
    upgrade(db_url)
    unit = SqlUnitOfWork(make_engine(db_url))
    yield unit
    unit.engine.dispose()


def _append(uow: SqlUnitOfWork, n: int, tag: str = "t") -> list[str]:
    hashes = []
    for i in range(n):
        with uow.session() as session:
            row = record(
                session,
                action="nomination.step",
                object_type="nomination",
                object_id=f"{tag}-{i}",
                actor="canbo.ldvl",
                actor_role="unit_officer",
                before={"stage": "submitted"},
                after={"stage": "unit_review", "lý_do": "Đủ điều kiện", "n": i, "x": 1.5},
                workflow_id=f"nomination-{tag}-{i}",
                run_id="run-1",
            )
            hashes.append(row.entry_hash)
    return hashes


def _unprotect(uow: SqlUnitOfWork) -> None:
    """What a database superuser could do: drop the append-only triggers."""
    with uow.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(sa.text("DROP TRIGGER audit_log_no_update"))
            conn.execute(sa.text("DROP TRIGGER audit_log_no_delete"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_log_no_change ON audit_log"))


def _tamper(uow: SqlUnitOfWork, *statements: str, params: dict[str, str] | None = None) -> None:
    _unprotect(uow)
    with uow.engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement), params or {})


def _verify(uow: SqlUnitOfWork, expect: tuple[int, str] | None = None) -> ChainReport:
    with uow() as tx:
        return audit.verify(tx, expect=expect)


class TestChain:
    """Entries link by hash over a documented canonical encoding."""

    def test_entries_get_gap_free_seq_and_link_to_the_previous_hash(
        self, uow: SqlUnitOfWork
    ) -> None:
        """Seq 1..n; each prev_hash is the previous entry_hash; the first links to 64 zeros."""
        hashes = _append(uow, 4)
        with uow.session() as session:
            rows = list(session.scalars(sa.select(AuditEntryRow).order_by(AuditEntryRow.seq)))
        assert [r.seq for r in rows] == [1, 2, 3, 4]
        assert [r.prev_hash for r in rows] == [GENESIS_HASH, *hashes[:3]]
        assert [r.entry_hash for r in rows] == hashes

    def test_hash_is_sha256_of_prev_hash_and_the_canonical_entry(self, uow: SqlUnitOfWork) -> None:
        """An outsider can recompute it: sorted keys, no spaces, UTF-8, UTC timestamp with Z."""
        _append(uow, 1)
        with uow.session() as session:
            row = session.scalars(sa.select(AuditEntryRow)).one()
            canonical = canonical_entry(entry_of(row))
        fields = json.loads(canonical)
        assert list(fields) == sorted(HASHED_FIELDS)
        assert " " not in canonical.replace("Đủ điều kiện", "")
        assert "Đủ điều kiện" in canonical  # UTF-8, not \\u escapes
        assert fields["at"].endswith("Z") and len(fields["at"]) == 27
        expected = hashlib.sha256((GENESIS_HASH + canonical).encode("utf-8")).hexdigest()
        assert row.entry_hash == expected

    def test_an_entry_rolled_back_with_its_change_leaves_no_trace(self, uow: SqlUnitOfWork) -> None:
        """Same transaction as the change: rollback removes both, and the chain stays valid."""
        _append(uow, 2)
        with pytest.raises(RuntimeError), uow.session() as session:
            record(session, action="user.created", object_type="user", object_id="x", actor=None)
            raise RuntimeError("the change failed")
        _append(uow, 1, tag="after")
        report = _verify(uow)
        assert (report.ok, report.entries, report.head_seq) == (True, 3, 3)

    def test_values_that_are_not_json_are_normalised_before_hashing(
        self, uow: SqlUnitOfWork
    ) -> None:
        """Datetimes, dates and tuples are stored as they were hashed, so verify still passes."""
        with uow.session() as session:
            record(
                session,
                action="round.opened",
                object_type="round",
                object_id="NTM-2024-1",
                actor="vanphong",
                after={
                    "closes_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
                    "d": date(2026, 1, 2),
                    "t": (1, 2),
                },
            )
        with uow.session() as session:
            row = session.scalars(sa.select(AuditEntryRow)).one()
            assert row.after == {
                "closes_at": "2026-01-02T03:04:05.000000Z",
                "d": "2026-01-02",
                "t": [1, 2],
            }
        assert _verify(uow).ok


class TestDatabaseRefusesChanges:
    """The table is append-only by the database's own triggers."""

    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE audit_log SET actor = 'ke.gian' WHERE seq = 1",
            "DELETE FROM audit_log WHERE seq = 1",
        ],
    )
    def test_update_and_delete_are_refused(self, uow: SqlUnitOfWork, statement: str) -> None:
        """UPDATE and DELETE of an entry fail; the entry is unchanged."""
        _append(uow, 2)
        with pytest.raises(DBAPIError, match="append-only"), uow.engine.begin() as conn:
            conn.execute(sa.text(statement))
        report = _verify(uow)
        assert (report.ok, report.entries) == (True, 2)

    def test_truncate_is_refused_on_postgresql(self, uow: SqlUnitOfWork) -> None:
        """TRUNCATE skips row triggers, so PostgreSQL has a statement trigger for it."""
        if uow.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has no TRUNCATE")
        _append(uow, 1)
        with pytest.raises(DBAPIError, match="append-only"), uow.engine.begin() as conn:
            conn.execute(sa.text("TRUNCATE audit_log"))
        assert _verify(uow).entries == 1


class TestVerifyNamesTheTamperedEntry:
    """With the triggers dropped (as a superuser could), every single-row tampering is named."""

    def test_intact_chain_verifies(self, uow: SqlUnitOfWork) -> None:
        """No tampering: ok, with the count and the head hash."""
        hashes = _append(uow, 5)
        report = _verify(uow)
        assert (report.ok, report.entries, report.head_seq, report.head_hash) == (
            True,
            5,
            5,
            hashes[-1],
        )

    def test_modified_field_is_named(self, uow: SqlUnitOfWork) -> None:
        """An edited actor: entry 3 is reported modified."""
        _append(uow, 5)
        _tamper(uow, "UPDATE audit_log SET actor = 'ke.gian' WHERE seq = 3")
        problem = _verify(uow).problem
        assert problem is not None
        assert (problem.kind, problem.seq) == ("modified", 3)
        assert "Mục 3" in problem.message() and "bị sửa" in problem.message()

    def test_modified_json_payload_is_named(self, uow: SqlUnitOfWork) -> None:
        """An edited ``after`` value: entry 2 is reported modified."""
        _append(uow, 4)
        _tamper(uow, """UPDATE audit_log SET "after" = '{"stage": "approved"}' WHERE seq = 2""")
        problem = _verify(uow).problem
        assert problem is not None and (problem.kind, problem.seq) == ("modified", 2)

    def test_modified_and_rehashed_entry_is_named(self, uow: SqlUnitOfWork) -> None:
        """Edited and its own hash recomputed: the next entry's link exposes entry 3."""
        _append(uow, 5)
        with uow.session() as session:
            row = session.scalars(sa.select(AuditEntryRow).where(AuditEntryRow.seq == 3)).one()
            forged = entry_hash(row.prev_hash, replace(entry_of(row), actor="ke.gian"))
        _tamper(
            uow,
            "UPDATE audit_log SET actor = 'ke.gian', entry_hash = :h WHERE seq = 3",
            params={"h": forged},
        )
        problem = _verify(uow).problem
        assert problem is not None and (problem.kind, problem.seq) == ("modified", 3)

    def test_deleted_entry_is_named(self, uow: SqlUnitOfWork) -> None:
        """A deleted middle entry: the missing seq 3 is reported deleted."""
        _append(uow, 5)
        _tamper(uow, "DELETE FROM audit_log WHERE seq = 3")
        problem = _verify(uow).problem
        assert problem is not None and (problem.kind, problem.seq) == ("deleted", 3)
        assert "bị xóa" in problem.message()

    def test_deleted_and_renumbered_entry_is_named(self, uow: SqlUnitOfWork) -> None:
        """Delete entry 3 and close the gap: entry 3's place no longer links to entry 2."""
        _append(uow, 5)
        _tamper(
            uow,
            "DELETE FROM audit_log WHERE seq = 3",
            "UPDATE audit_log SET seq = seq - 1 WHERE seq = 4",
            "UPDATE audit_log SET seq = seq - 1 WHERE seq = 5",
        )
        problem = _verify(uow).problem
        assert problem is not None and problem.seq == 3

    def test_swapped_entries_are_named(self, uow: SqlUnitOfWork) -> None:
        """Entries 3 and 4 swap places: reported reordered at 3."""
        _append(uow, 5)
        _tamper(
            uow,
            "UPDATE audit_log SET seq = -1 WHERE seq = 3",
            "UPDATE audit_log SET seq = 3 WHERE seq = 4",
            "UPDATE audit_log SET seq = 4 WHERE seq = -1",
        )
        problem = _verify(uow).problem
        assert problem is not None and (problem.kind, problem.seq) == ("reordered", 3)
        assert "bị đổi thứ tự" in problem.message()

    def test_swapped_contents_are_named(self, uow: SqlUnitOfWork) -> None:
        """Entries 2 and 3 keep their place but swap every other column: named at 2."""
        _append(uow, 4)
        _unprotect(uow)
        with uow.engine.begin() as conn:
            rows = {
                r.seq: r
                for r in conn.execute(
                    sa.text("SELECT seq, object_id, prev_hash, entry_hash FROM audit_log")
                )
            }
            conn.execute(
                sa.text("UPDATE audit_log SET prev_hash = 'x', entry_hash = 'y' WHERE seq = 2")
            )
            for seq, other in ((3, 2), (2, 3)):
                src = rows[other]
                conn.execute(
                    sa.text(
                        "UPDATE audit_log SET object_id = :o, prev_hash = :p, entry_hash = :h "
                        "WHERE seq = :s"
                    ),
                    {"o": src.object_id, "p": src.prev_hash, "h": src.entry_hash, "s": seq},
                )
        problem = _verify(uow).problem
        assert problem is not None and problem.seq == 2
        assert problem.kind in ("reordered", "modified")

    def test_deleting_the_newest_entries_is_caught_by_the_exported_head(
        self, uow: SqlUnitOfWork
    ) -> None:
        """The chain alone cannot tell; the head hash kept outside can."""
        hashes = _append(uow, 5)
        _tamper(uow, "DELETE FROM audit_log WHERE seq = 5")
        assert _verify(uow).ok
        problem = _verify(uow, expect=(5, hashes[-1])).problem
        assert problem is not None and (problem.kind, problem.seq) == ("deleted", 5)

    def test_rewritten_history_is_caught_by_the_exported_head(self, uow: SqlUnitOfWork) -> None:
        """A kept head hash that no longer matches its entry is reported."""
        hashes = _append(uow, 3)
        problem = _verify(uow, expect=(2, hashes[0])).problem
        assert problem is not None and (problem.kind, problem.seq) == ("modified", 2)


class TestConcurrentWriters:
    """Writers on separate connections never fork the chain."""

    def test_parallel_writers_keep_one_chain(self, db_url: str, uow: SqlUnitOfWork) -> None:
        """4 writers x 15 entries, each with its own engine: 60 entries, gap-free, verified."""
        errors: list[BaseException] = []
        barrier = threading.Barrier(4)

        def writer(n: int) -> None:
            own = SqlUnitOfWork(make_engine(db_url))
            try:
                barrier.wait()
                _append(own, 15, tag=f"w{n}")
            except BaseException as exc:
                errors.append(exc)
            finally:
                own.engine.dispose()

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        report = _verify(uow)
        assert (report.ok, report.entries) == (True, 60)

    def test_parallel_processes_keep_one_chain(self, db_url: str, uow: SqlUnitOfWork) -> None:
        """3 OS processes x 20 entries (as API, CLI and worker would): 60 entries, verified."""
        code = (
            "import sys\n"
            "from thidua.adapters.db.session import make_engine\n"
            "from thidua.adapters.db.uow import SqlUnitOfWork\n"
            "from thidua.adapters.db.audit import record\n"
            "uow = SqlUnitOfWork(make_engine(sys.argv[1]))\n"
            "for i in range(20):\n"
            "    with uow.session() as s:\n"
            "        record(s, action='user.created', object_type='user',\n"
            "               object_id=f'{sys.argv[2]}-{i}', actor=None)\n"
        )
        procs = [
            subprocess.Popen([sys.executable, "-c", code, db_url, f"p{n}"], cwd=PROJECT_ROOT)
            for n in range(3)
        ]
        assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
        report = _verify(uow)
        assert (report.ok, report.entries) == (True, 60)

    def test_a_stale_head_cannot_fork_the_chain(self, uow: SqlUnitOfWork) -> None:
        """Bypassing the lock with a stale head: UNIQUE seq/prev_hash refuses the second entry."""
        _append(uow, 1)
        with uow.session() as session:
            seq, prev = head(session)
        _append(uow, 1, tag="winner")
        with pytest.raises(IntegrityError), uow.session() as session:
            at = datetime.now(UTC)
            fork = hash_new_entry(
                Entry(
                    seq=seq + 1,
                    at=format_at(at),
                    action="user.created",
                    object_type="user",
                    object_id="fork",
                    actor=None,
                    actor_role=None,
                    workflow_id=None,
                    run_id=None,
                    before=None,
                    after=None,
                    prev_hash=prev,
                    entry_hash="",
                )
            )
            session.add(
                AuditEntryRow(
                    seq=fork.seq,
                    at=at,
                    action=fork.action,
                    object_type=fork.object_type,
                    object_id=fork.object_id,
                    actor=None,
                    actor_role=None,
                    before=None,
                    after=None,
                    workflow_id=None,
                    run_id=None,
                    prev_hash=fork.prev_hash,
                    entry_hash=fork.entry_hash,
                    format_version=fork.format_version,
                )
            )
        assert _verify(uow).entries == 2


class TestExport:
    """Exports end with the head hash so an outsider can keep it."""

    @pytest.mark.parametrize("fmt", ["jsonl", "csv"])
    def test_export_ends_with_the_head_and_entries_recompute(
        self, uow: SqlUnitOfWork, fmt: str
    ) -> None:
        """Every exported entry's hash recomputes from its fields; the last record is the head."""
        hashes = _append(uow, 3)
        out = io.StringIO()
        today = datetime.now(UTC).date()
        with uow() as tx:
            summary = audit.export(tx, out, start=today, end=today, fmt=fmt)  # type: ignore[arg-type]
        assert (summary["entries"], summary["head_seq"], summary["head_hash"]) == (3, 3, hashes[-1])
        lines = out.getvalue().splitlines()
        if fmt == "jsonl":
            records = [json.loads(line) for line in lines]
            assert records[-1]["record"] == "head" and records[-1]["head_hash"] == hashes[-1]
            prev = GENESIS_HASH
            for rec in records[:-1]:
                assert rec["v"] == 2  # the record says how to recompute it: RFC 8785
                canonical = rfc8785.dumps({k: rec[k] for k in HASHED_FIELDS})
                assert rec["prev_hash"] == prev
                assert hashlib.sha256(prev.encode() + canonical).hexdigest() == rec["entry_hash"]
                prev = rec["entry_hash"]
        else:
            assert lines[0].startswith("record,id,seq,at,") and lines[0].endswith(",v")
            assert all(line.endswith(",2") for line in lines[1:-1])
            assert lines[-1].startswith("head,") and hashes[-1] in lines[-1]
            assert len(lines) == 5

    def test_export_of_an_empty_range_still_carries_the_head(self, uow: SqlUnitOfWork) -> None:
        """No entries in range: one head line."""
        hashes = _append(uow, 2)
        out = io.StringIO()
        with uow() as tx:
            audit.export(tx, out, start=date(2000, 1, 1), end=date(2000, 1, 2), fmt="jsonl")
        (line,) = out.getvalue().splitlines()
        assert json.loads(line)["head_hash"] == hashes[-1]

    def test_reversed_range_is_refused(self, uow: SqlUnitOfWork) -> None:
        """An end before the start is refused naming the end (the CLI shows it as --to)."""
        with pytest.raises(Refusal) as info, uow() as tx:
            audit.export(tx, io.StringIO(), start=date(2026, 2, 1), end=date(2026, 1, 1), fmt="csv")
        assert info.value.field == "end"


class TestPostgresWriterRole:
    """A login role granted thidua_audit_writer appends but cannot change entries."""

    def test_writer_role_may_insert_but_not_update(self, db_url: str, uow: SqlUnitOfWork) -> None:
        """Privileges refuse UPDATE/DELETE even without the triggers; record() works."""
        if uow.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL roles")
        name = f"thidua_app_{uuid.uuid4().hex[:8]}"
        with uow.engine.begin() as conn:
            conn.execute(sa.text(f"CREATE ROLE {name} LOGIN"))
            conn.execute(sa.text(f"GRANT thidua_audit_writer TO {name}"))
        _unprotect(uow)  # only privileges are left to refuse
        app = SqlUnitOfWork(make_engine(db_url.replace("//postgres@", f"//{name}@")))
        try:
            _append(app, 2)
            with pytest.raises(DBAPIError, match="permission denied"), app.session() as session:
                session.execute(sa.text("UPDATE audit_log SET actor = 'x'"))
            with pytest.raises(DBAPIError, match="permission denied"), app.session() as session:
                session.execute(sa.text("DELETE FROM audit_log"))
        finally:
            app.engine.dispose()
            with uow.engine.begin() as conn:
                conn.execute(sa.text(f"DROP OWNED BY {name}"))
                conn.execute(sa.text(f"DROP ROLE {name}"))
        assert _verify(uow).entries == 2


class TestExportCheckedOffline:
    """An outsider checks an export file with no database access."""

    @pytest.mark.parametrize("fmt", ["jsonl", "csv"])
    def test_intact_file_passes_and_an_edited_line_is_named(
        self, uow: SqlUnitOfWork, fmt: str
    ) -> None:
        """Every hash recomputes; editing one entry's actor in the file names its line."""
        hashes = _append(uow, 3)
        out = io.StringIO()
        with uow() as tx:
            audit.export(tx, out, start=None, end=None, fmt=fmt)  # type: ignore[arg-type]
        text = out.getvalue()
        check = check_export(io.StringIO(text), fmt)  # type: ignore[arg-type]
        assert (check.ok, check.entries, check.head_seq, check.head_hash) == (
            True,
            3,
            3,
            hashes[-1],
        )
        forged = text.replace("canbo.ldvl", "ke.gian", 1)
        check = check_export(io.StringIO(forged), fmt)  # type: ignore[arg-type]
        assert check.problem is not None
        assert check.problem.startswith("Dòng 2 (mục 1)" if fmt == "csv" else "Dòng 1 (mục 1)")

    def test_dropped_line_is_named(self, uow: SqlUnitOfWork) -> None:
        """A line removed from a JSON-lines export: the next line no longer links."""
        _append(uow, 3)
        out = io.StringIO()
        with uow() as tx:
            audit.export(tx, out, start=None, end=None, fmt="jsonl")
        lines = out.getvalue().splitlines(keepends=True)
        check = check_export(io.StringIO("".join([lines[0], *lines[2:]])), "jsonl")
        assert check.problem is not None and "mục 3" in check.problem
