"""The agency's register of outgoing documents: numbers per book and calendar year, taken when a
document is issued, never twice (concurrent issuers included), continued from the numbers
issued before the register existed (migration 0011)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from rules.registry import RulesRegistry
from tests.integration.test_round_documents import (
    MAJORITY,
    Nom,
    add_round,
    docx_text,
    individual,
    tally,
)
from tests.support.db import SeededDb
from thidua.adapters.db.migrate import upgrade
from thidua.adapters.db.models import (
    AgencyRow,
    AuditEntryRow,
    CouncilMeetingRow,
    DocumentRegisterEntryRow,
    DocumentRegisterRow,
    DocumentRow,
    RoundRow,
)
from thidua.adapters.db.session import make_engine
from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.adapters.documents import FileDocumentRenderer
from thidua.app import register
from thidua.app.documents import issue_round_documents
from thidua.app.sample_data import STAFF
from thidua.app.seed import load_sample_data
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role

SYMBOL = "SLĐTBXH"
ADMIN = Actor(username="quantri.hethong", role=Role.ADMIN)
OFFICE = Actor(username="vanphong", role=Role.OFFICE)


class HasUow(Protocol):
    """A database the helpers below work on (the seeded fixtures, or one migrated by a test)."""

    @property
    def uow(self) -> SqlUnitOfWork: ...


@dataclass
class MigratedDb:
    uow: SqlUnitOfWork


@pytest.fixture(scope="module")
def registry() -> RulesRegistry:
    return RulesRegistry.from_directory()


def round_with_all_documents(
    seq: int,
) -> tuple[list[Nom], list[tuple[str, str, str, dict[str, Any], str, str | None, None]]]:
    """Round ``seq``'s nominees (two staff members of their own, as a nominee is nominated once
    a year) and items: an LĐTT the Director approves and a Bằng khen proposed to the province,
    so the round has a report, minutes, a decision and a submission."""
    first, second = (STAFF[2 * seq].code, STAFF[2 * seq + 1].code)
    noms = [individual(first, "HTXSNV"), individual(second, "HTXSNV")]
    items = [
        (first, "LDTT", "director", tally(10, 1, 0, MAJORITY), "approved", None, None),
        (
            second,
            "BANG_KHEN_UBND_TINH",
            "province",
            tally(10, 0, 1, MAJORITY),
            "approved",
            "pending",
            None,
        ),
    ]
    return noms, items


def make_round(db: HasUow, seq: int, *, held_on: date | None = None, meeting: bool = True) -> str:
    """Round ``seq`` with all four documents; ``held_on`` moves its council meeting."""
    with db.uow.session() as session:
        row = add_round(session, seq, *round_with_all_documents(seq), meeting=meeting)
        if held_on is not None:
            session.execute(
                update(CouncilMeetingRow)
                .where(CouncilMeetingRow.round_id == row.id)
                .values(held_on=held_on)
            )
        return row.key


def issue(
    db: HasUow, key: str, out: Path, registry: RulesRegistry, on: date
) -> dict[str, dict[str, Any]]:
    with db.uow() as tx:
        docs = issue_round_documents(
            tx,
            key,
            registry=registry,
            renderer=FileDocumentRenderer(out),
            issued_on=on,
            with_pdf=False,
        )
        return {d.kind: {"number": d.number, "files": dict(d.files)} for d in docs}


def numbers(docs: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {kind: d["number"] for kind, d in docs.items()}


def entries(db: HasUow) -> list[tuple[int, str, int, str]]:
    with db.uow.session() as s:
        rows = s.execute(
            select(
                DocumentRegisterEntryRow.year,
                DocumentRegisterEntryRow.book,
                DocumentRegisterEntryRow.seq,
                DocumentRegisterEntryRow.number,
            ).order_by(
                DocumentRegisterEntryRow.year,
                DocumentRegisterEntryRow.book,
                DocumentRegisterEntryRow.seq,
            )
        ).all()
        return [(r.year, r.book, r.seq, r.number) for r in rows]


def agency_id(db: HasUow) -> int:
    with db.uow.session() as s:
        return int(s.scalars(select(AgencyRow.id)).one())


FIRST = {
    "report": f"01/BC-{SYMBOL}",
    "minutes": "01/BB-HĐTĐKT",
    "vote_count": "01/BB-HĐTĐKT",
    "decision": f"01/QĐ-{SYMBOL}",
    "submission": f"01/TTr-{SYMBOL}",
}


class TestNumbersPerCalendarYear:
    def test_the_register_restarts_at_01_on_1_january(
        self, seeded: SeededDb, tmp_path: Path, registry: RulesRegistry
    ) -> None:
        """Issued 31/12/2026 then 01/01/2027: both rounds' documents are number 01 of their
        year's books; the minutes follow their meetings' years."""
        last = make_round(seeded, 1, held_on=date(2026, 12, 30))
        first = make_round(seeded, 2, held_on=date(2027, 1, 1))
        docs_2026 = issue(seeded, last, tmp_path, registry, date(2026, 12, 31))
        docs_2027 = issue(seeded, first, tmp_path, registry, date(2027, 1, 1))

        assert numbers(docs_2026) == FIRST
        assert numbers(docs_2027) == FIRST
        assert f"Số: 01/QĐ-{SYMBOL}" in docx_text(docs_2027["decision"]["files"]["docx"])
        assert [(year, book, seq) for year, book, seq, _ in entries(seeded)] == [
            (year, book, 1) for year in (2026, 2027) for book in ("BB", "BC", "QĐ", "TTr")
        ]

    def test_numbers_follow_on_within_the_year_per_book(
        self, seeded: SeededDb, tmp_path: Path, registry: RulesRegistry
    ) -> None:
        """A second round the same year takes 02 in each book; a round without a decision takes
        no decision number, so the next decision is 02, not 03."""
        on = date(2026, 12, 10)
        issue(seeded, make_round(seeded, 1), tmp_path, registry, on)
        with seeded.uow.session() as session:
            no_decision = add_round(
                session,
                2,
                [individual("NV041", movement={"c1": "tot"})],
                [("NV041", "LDTT", "director", tally(9, 2, 0, MAJORITY), "rejected", None, None)],
            ).key
        assert numbers(issue(seeded, no_decision, tmp_path, registry, on)) == {
            "report": f"02/BC-{SYMBOL}",
            "minutes": "02/BB-HĐTĐKT",
            "vote_count": "02/BB-HĐTĐKT",
        }
        assert numbers(issue(seeded, make_round(seeded, 3), tmp_path, registry, on)) == {
            "report": f"03/BC-{SYMBOL}",
            "minutes": "03/BB-HĐTĐKT",
            "vote_count": "03/BB-HĐTĐKT",
            "decision": f"02/QĐ-{SYMBOL}",
            "submission": f"02/TTr-{SYMBOL}",
        }

    def test_a_books_first_number_is_data(
        self, seeded: SeededDb, tmp_path: Path, registry: RulesRegistry
    ) -> None:
        """An agency that numbered 57 decisions on paper in 2026 opens the book at 58."""
        with seeded.uow.session() as s:
            s.add(
                DocumentRegisterRow(
                    agency_id=agency_id(seeded),
                    year=2026,
                    book="QĐ",
                    first_seq=58,
                    last_seq=57,
                    created_at=datetime.now(UTC),
                )
            )
        docs = issue(seeded, make_round(seeded, 1), tmp_path, registry, date(2026, 12, 10))
        assert docs["decision"]["number"] == f"58/QĐ-{SYMBOL}"
        assert docs["report"]["number"] == f"01/BC-{SYMBOL}"


class TestIssuedOnce:
    def test_a_second_call_takes_no_number(
        self, seeded: SeededDb, tmp_path: Path, registry: RulesRegistry
    ) -> None:
        """Issuing again keeps the numbers; the register has one entry per document and its
        books did not move."""
        key = make_round(seeded, 1)
        on = date(2026, 12, 10)
        first = issue(seeded, key, tmp_path, registry, on)
        with seeded.uow.session() as s:
            books = sorted(
                s.execute(select(DocumentRegisterRow.book, DocumentRegisterRow.last_seq))
            )
        again = issue(seeded, key, tmp_path, registry, date(2027, 1, 5))
        assert numbers(again) == numbers(first) == FIRST
        assert len(entries(seeded)) == 4
        with seeded.uow.session() as s:
            assert (
                sorted(s.execute(select(DocumentRegisterRow.book, DocumentRegisterRow.last_seq)))
                == books
            )
            linked = s.scalar(
                select(func.count())
                .select_from(DocumentRegisterEntryRow)
                .join(DocumentRow, DocumentRow.id == DocumentRegisterEntryRow.document_id)
                .where(DocumentRow.number == DocumentRegisterEntryRow.number)
            )
        assert linked == 4

    def test_a_rolled_back_issue_gives_its_numbers_back(
        self, seeded: SeededDb, tmp_path: Path, registry: RulesRegistry
    ) -> None:
        """A transaction that fails after taking numbers leaves no gap: the next issuer gets 01."""
        key = make_round(seeded, 1)
        with pytest.raises(RuntimeError, match="boom"), seeded.uow() as tx:
            issue_round_documents(
                tx,
                key,
                registry=registry,
                renderer=FileDocumentRenderer(tmp_path),
                issued_on=date(2026, 12, 10),
                with_pdf=False,
            )
            raise RuntimeError("boom")
        assert entries(seeded) == []
        assert numbers(issue(seeded, key, tmp_path, registry, date(2026, 12, 10))) == FIRST


class TestNeverTwice:
    def test_a_duplicate_entry_is_refused_by_the_database(
        self, seeded: SeededDb, tmp_path: Path, registry: RulesRegistry
    ) -> None:
        """The same book, year and number again, or the same number text again: refused."""
        issue(seeded, make_round(seeded, 1), tmp_path, registry, date(2026, 12, 10))
        with seeded.uow.session() as s:
            doc = s.scalars(select(DocumentRow).where(DocumentRow.kind == "decision")).one()
            other = s.scalars(select(DocumentRow).where(DocumentRow.kind == "report")).one()
            ids = (doc.id, other.id)
        base = {
            "agency_id": agency_id(seeded),
            "year": 2026,
            "book": "QĐ",
            "issued_on": date(2026, 12, 10),
        }
        for values in (
            {"seq": 1, "number": f"01/QĐ-{SYMBOL}-bis", "document_id": ids[1]},  # same seq
            {"seq": 9, "number": f"01/QĐ-{SYMBOL}", "document_id": ids[1]},  # same text
            {"seq": 9, "number": f"09/QĐ-{SYMBOL}", "document_id": ids[0]},  # same document
        ):
            with pytest.raises(IntegrityError), seeded.uow.session() as s:
                s.add(DocumentRegisterEntryRow(**base, **values, created_at=datetime.now(UTC)))
                s.flush()
        assert len(entries(seeded)) == 4

    def test_a_number_already_entered_is_skipped(
        self, seeded: SeededDb, tmp_path: Path, registry: RulesRegistry
    ) -> None:
        """A book reset below a number already entered passes over it: 01 is taken, so 02."""
        issue(seeded, make_round(seeded, 1), tmp_path, registry, date(2026, 12, 10))
        with seeded.uow.session() as s:
            s.execute(
                update(DocumentRegisterRow)
                .where(DocumentRegisterRow.book == "QĐ")
                .values(last_seq=0)
            )
        docs = issue(seeded, make_round(seeded, 2), tmp_path, registry, date(2026, 12, 10))
        assert docs["decision"]["number"] == f"02/QĐ-{SYMBOL}"

    def test_rounds_issuing_at_the_same_moment_get_distinct_consecutive_numbers(
        self, seeded: SeededDb, tmp_path: Path, registry: RulesRegistry
    ) -> None:
        """Four rounds issue their documents from four threads at once: each book holds
        01..04, each number once, each round's documents one number per book."""
        rounds = 4
        keys = [make_round(seeded, n) for n in range(1, rounds + 1)]
        barrier = threading.Barrier(rounds)
        results: dict[str, dict[str, str]] = {}
        errors: list[BaseException] = []

        def issuer(key: str) -> None:
            try:
                barrier.wait()
                docs = issue(seeded, key, tmp_path / key, registry, date(2026, 12, 10))
                results[key] = numbers(docs)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=issuer, args=(k,)) for k in keys]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        assert errors == []
        for kind, symbol in FIRST.items():
            taken = sorted(results[k][kind] for k in keys)
            assert taken == [f"{n:02d}/{symbol.split('/', 1)[1]}" for n in range(1, rounds + 1)]
        with seeded.uow.session() as s:
            stored = s.execute(
                select(RoundRow.key, DocumentRow.kind, DocumentRow.number).join(RoundRow)
            )
            assert {(k, kind): n for k, kind, n in stored} == {
                (k, kind): n for k in keys for kind, n in results[k].items()
            }
        assert len(entries(seeded)) == 4 * rounds

    def test_concurrent_takers_queue_on_the_book(self, seeded: SeededDb) -> None:
        """Eight transactions take a number and hold it a moment before committing: 1..8, each
        once (the second waits for the first's commit, then takes the following one)."""
        key = make_round(seeded, 1)
        takers = 8
        barrier = threading.Barrier(takers)
        taken: list[int] = []
        errors: list[BaseException] = []

        def taker() -> None:
            try:
                barrier.wait()
                with seeded.uow() as tx:
                    seq = tx.documents.take_number(key, "QĐ", 2026)
                    time.sleep(0.05)
                taken.append(seq)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=taker) for _ in range(takers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert sorted(taken) == list(range(1, takers + 1))


class TestRegisterStart:
    def test_the_administrator_opens_a_book_at_a_number_audited(
        self, seeded: SeededDb, tmp_path: Path, registry: RulesRegistry
    ) -> None:
        """58 for the 2026 decisions: the next decision is 58/QĐ; the change is audited."""
        with seeded.uow() as tx:
            result = register.set_register_start(tx, ADMIN, year=2026, book="QĐ", first=58)
        assert result.message == "Sổ QĐ năm 2026 bắt đầu từ số 58."
        docs = issue(seeded, make_round(seeded, 1), tmp_path, registry, date(2026, 12, 10))
        assert docs["decision"]["number"] == f"58/QĐ-{SYMBOL}"
        with seeded.uow.session() as s:
            entry = s.scalars(
                select(AuditEntryRow).where(AuditEntryRow.action == "agency.register_start_set")
            ).one()
        assert entry.actor == ADMIN.username
        assert entry.after == {"year": 2026, "book": "QĐ", "first": 58}

    def test_a_book_that_gave_a_number_keeps_its_start(
        self, seeded: SeededDb, tmp_path: Path, registry: RulesRegistry
    ) -> None:
        """Refused (conflict, naming the last number) once 01 is issued; another year is free."""
        issue(seeded, make_round(seeded, 1), tmp_path, registry, date(2026, 12, 10))
        with pytest.raises(Refusal) as refused, seeded.uow() as tx:
            register.set_register_start(tx, ADMIN, year=2026, book="QĐ", first=58)
        assert refused.value.code is RefusalCode.CONFLICT
        assert refused.value.message == "Sổ QĐ năm 2026 đã cấp đến số 01: không đặt lại số bắt đầu."
        with seeded.uow() as tx:
            register.set_register_start(tx, ADMIN, year=2027, book="QĐ", first=12)
            assert tx.documents.register_book("SLDTBXH-BP", 2027, "QĐ") == (12, 11)

    @pytest.mark.parametrize(
        ("values", "field", "message"),
        [
            ({"book": "CV"}, "book", "Không có sổ «CV»; các sổ: BB, BC, QĐ, TTr."),
            ({"year": 20226}, "year", "Năm 20226 không hợp lệ (2000–2100)."),
            ({"first": 0}, "first", "Số bắt đầu 0 không hợp lệ (từ 1 đến 99999)."),
        ],
    )
    def test_bad_input_is_refused_naming_the_field(
        self, seeded_sqlite: SeededDb, values: dict[str, Any], field: str, message: str
    ) -> None:
        """An unknown book, a mistyped year, a first number below 1: refused in Vietnamese."""
        args: dict[str, Any] = {"year": 2026, "book": "QĐ", "first": 5, **values}
        with pytest.raises(Refusal) as refused, seeded_sqlite.uow() as tx:
            register.set_register_start(tx, ADMIN, **args)
        assert (refused.value.field, refused.value.message) == (field, message)

    def test_only_the_administrator_sets_it(self, seeded_sqlite: SeededDb) -> None:
        """The Office is refused (forbidden)."""
        with pytest.raises(Refusal) as refused, seeded_sqlite.uow() as tx:
            register.set_register_start(tx, OFFICE, year=2026, book="QĐ", first=5)
        assert refused.value.code is RefusalCode.FORBIDDEN

    def test_the_command_sets_it_as_the_local_operator(
        self, seeded_sqlite: SeededDb, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`thidua agency register-start` without a token: done and audited as os:<user>; a bad
        book exits 2 naming it."""
        from typer.testing import CliRunner

        from thidua.config import get_settings
        from thidua.entrypoints.cli.agency import app

        monkeypatch.setenv("THIDUA_DATABASE__URL", seeded_sqlite.url)
        monkeypatch.setattr(
            "thidua.entrypoints.cli._common.configure_logging", lambda *a, **k: None
        )
        get_settings.cache_clear()
        runner = CliRunner()
        try:
            ok = runner.invoke(
                app, ["register-start", "--year", "2026", "--book", "TTr", "--first", "7"]
            )
            assert ok.exit_code == 0, ok.output
            assert "Sổ TTr năm 2026 bắt đầu từ số 07." in ok.output
            bad = runner.invoke(
                app, ["register-start", "--year", "2026", "--book", "XX", "--first", "7"]
            )
            assert bad.exit_code == 2 and "book: Không có sổ «XX»" in bad.output
        finally:
            get_settings.cache_clear()
        with seeded_sqlite.uow.session() as s:
            entry = s.scalars(
                select(AuditEntryRow).where(AuditEntryRow.action == "agency.register_start_set")
            ).one()
        assert (entry.actor or "").startswith("os:")


# ----------------------------------------------------------------------------- migration 0011


@pytest.fixture
def at_0009(db_url: str) -> Iterator[MigratedDb]:
    """A database at revision 0009 with the sample Department and three rounds whose documents
    were numbered by the old scheme (101, 102, ... per kind), issued in 2024 (Vietnam time)."""
    upgrade(db_url, "0009")
    uow = SqlUnitOfWork(make_engine(db_url))
    with uow() as tx:
        load_sample_data(tx)
    old = [
        # (round, kind, number, created_at UTC)
        (1, "report", f"101/BC-{SYMBOL}", datetime(2024, 12, 26, 2, 0, tzinfo=UTC)),
        (1, "minutes", "101/BB-HĐTĐKT", datetime(2024, 12, 26, 2, 0, tzinfo=UTC)),
        (1, "decision", f"101/QĐ-{SYMBOL}", datetime(2024, 12, 26, 2, 0, tzinfo=UTC)),
        (2, "report", f"102/BC-{SYMBOL}", datetime(2024, 12, 27, 2, 0, tzinfo=UTC)),
        (2, "minutes", "102/BB-HĐTĐKT", datetime(2024, 12, 27, 2, 0, tzinfo=UTC)),
        (2, "decision", f"102/QĐ-{SYMBOL}", datetime(2024, 12, 27, 2, 0, tzinfo=UTC)),
        # 31/12/2024 18:00 UTC is 01/01/2025 in Vietnam: the 2025 book.
        (3, "report", f"103/BC-{SYMBOL}", datetime(2024, 12, 31, 18, 0, tzinfo=UTC)),
    ]
    with uow.session() as session:
        ids = {
            n: add_round(session, n, *round_with_all_documents(n), meeting=n != 3).id
            for n in (1, 2, 3)
        }
        for n, kind, number, at in old:
            session.add(
                DocumentRow(
                    round_id=ids[n],
                    kind=kind,
                    number=number,
                    files={},
                    sha256="0" * 64,
                    created_at=at,
                )
            )
    uow.engine.dispose()
    upgrade(db_url)
    db = MigratedDb(SqlUnitOfWork(make_engine(db_url)))
    yield db
    db.uow.engine.dispose()


class TestMigrationBackfill:
    def test_existing_numbers_are_entered_in_their_years_books(self, at_0009: MigratedDb) -> None:
        """Each old document is an entry of its kind's book and year; the minutes take their
        meeting's year; the report created at 01:00 on 1 January in Vietnam is a 2025 one."""
        assert entries(at_0009) == [
            (2024, "BB", 101, "101/BB-HĐTĐKT"),
            (2024, "BB", 102, "102/BB-HĐTĐKT"),
            (2024, "BC", 101, f"101/BC-{SYMBOL}"),
            (2024, "BC", 102, f"102/BC-{SYMBOL}"),
            (2024, "QĐ", 101, f"101/QĐ-{SYMBOL}"),
            (2024, "QĐ", 102, f"102/QĐ-{SYMBOL}"),
            (2025, "BC", 103, f"103/BC-{SYMBOL}"),
        ]
        with at_0009.uow.session() as s:
            books = s.execute(
                select(
                    DocumentRegisterRow.year,
                    DocumentRegisterRow.book,
                    DocumentRegisterRow.first_seq,
                    DocumentRegisterRow.last_seq,
                ).order_by(DocumentRegisterRow.year, DocumentRegisterRow.book)
            ).all()
        assert [tuple(b) for b in books] == [
            (2024, "BB", 101, 102),
            (2024, "BC", 101, 102),
            (2024, "QĐ", 101, 102),
            (2025, "BC", 103, 103),
        ]

    def test_numbering_continues_after_them_and_a_new_year_starts_at_01(
        self, at_0009: MigratedDb, tmp_path: Path, registry: RulesRegistry
    ) -> None:
        """A 2024 round issued after the upgrade takes 103 (its meeting's minutes 103 too);
        a 2026 round takes 01."""
        key4 = make_round(at_0009, 4)
        key5 = make_round(at_0009, 5, meeting=False)
        assert numbers(issue(at_0009, key4, tmp_path, registry, date(2024, 12, 30))) == {
            "report": f"103/BC-{SYMBOL}",
            "minutes": "103/BB-HĐTĐKT",
            "vote_count": "103/BB-HĐTĐKT",
            "decision": f"103/QĐ-{SYMBOL}",
            "submission": f"01/TTr-{SYMBOL}",
        }
        docs = issue(at_0009, key5, tmp_path, registry, date(2026, 12, 10))
        assert docs["report"]["number"] == f"01/BC-{SYMBOL}"
