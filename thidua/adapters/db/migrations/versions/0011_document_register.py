"""the agency's register of outgoing documents: books per agency, calendar year and kind, and
one entry per number issued

Existing documents keep their numbers ("101/QĐ-SLĐTBXH", from the retired scheme: documents of
the kind so far + 101). The register is backfilled from them so new numbers continue after them:
each document becomes an entry in the book of its kind (the minutes: the council's book "BB"),
agency of its round's movement, year of the date it bears in Vietnam time (the minutes: the
meeting's date; the others: when the row was created); each book found gets ``first_seq`` = its
lowest number and ``last_seq`` = its highest. So a year already numbered from 101 goes on at
102, and a new year starts at 01. A number that is not "<digits>/..." is not entered; of two
documents that took the same number (possible under the old scheme with concurrent rounds) the
first keeps the entry and the other keeps its number outside the register.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VN = timezone(timedelta(hours=7))
_BOOKS = {"report": "BC", "minutes": "BB", "decision": "QĐ", "submission": "TTr"}
_SEQ = re.compile(r"^(\d+)/")


def upgrade() -> None:
    registers = op.create_table(
        "document_registers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("book", sa.String(length=16), nullable=False),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_document_registers_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_registers")),
        sa.UniqueConstraint(
            "agency_id", "year", "book", name=op.f("uq_document_registers_agency_id")
        ),
    )
    entries = op.create_table(
        "document_register_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("book", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_document_register_entries_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_register_entries_document_id_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_register_entries")),
        sa.UniqueConstraint("document_id", name=op.f("uq_document_register_entries_document_id")),
        sa.UniqueConstraint(
            "agency_id", "year", "book", "seq", name=op.f("uq_document_register_entries_seq")
        ),
        sa.UniqueConstraint(
            "agency_id", "year", "number", name=op.f("uq_document_register_entries_number")
        ),
    )
    op.create_index(
        op.f("ix_document_register_entries_agency_id"),
        "document_register_entries",
        ["agency_id"],
        unique=False,
    )
    _backfill(registers, entries)


def _backfill(registers: sa.Table, entries: sa.Table) -> None:
    conn = op.get_bind()
    documents = sa.table(
        "documents",
        sa.column("id", sa.Integer()),
        sa.column("round_id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("number", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    rounds = sa.table("rounds", sa.column("id", sa.Integer()), sa.column("movement_id"))
    movements = sa.table("movements", sa.column("id", sa.Integer()), sa.column("agency_id"))
    meetings = sa.table(
        "council_meetings", sa.column("round_id", sa.Integer()), sa.column("held_on", sa.Date())
    )
    rows = conn.execute(
        sa.select(
            documents.c.id,
            documents.c.kind,
            documents.c.number,
            documents.c.created_at,
            movements.c.agency_id,
            meetings.c.held_on,
        )
        .select_from(
            documents.join(rounds, rounds.c.id == documents.c.round_id)
            .join(movements, movements.c.id == rounds.c.movement_id)
            .outerjoin(meetings, meetings.c.round_id == documents.c.round_id)
        )
        .order_by(documents.c.id)
    ).all()
    now = datetime.now(UTC)
    seqs: set[tuple[int, int, str, int]] = set()
    numbers: set[tuple[int, int, str]] = set()
    books: dict[tuple[int, int, str], list[int]] = {}
    for doc_id, kind, number, created_at, agency_id, held_on in rows:
        match = _SEQ.match(number or "")
        book = _BOOKS.get(kind)
        if match is None or book is None:
            continue
        on = held_on if kind == "minutes" and held_on is not None else _vn_date(created_at)
        seq = int(match.group(1))
        key = (int(agency_id), on.year, book)
        if (*key, seq) in seqs or (key[0], on.year, number) in numbers:
            continue
        seqs.add((*key, seq))
        numbers.add((key[0], on.year, number))
        books.setdefault(key, []).append(seq)
        conn.execute(
            entries.insert().values(
                agency_id=key[0],
                year=on.year,
                book=book,
                seq=seq,
                number=number,
                document_id=doc_id,
                issued_on=on,
                created_at=now,
            )
        )
    for (agency_id, year, book), taken in books.items():
        conn.execute(
            registers.insert().values(
                agency_id=agency_id,
                year=year,
                book=book,
                first_seq=min(taken),
                last_seq=max(taken),
                created_at=now,
            )
        )


def _vn_date(at: datetime) -> date:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(_VN).date()


def downgrade() -> None:
    op.drop_index(
        op.f("ix_document_register_entries_agency_id"), table_name="document_register_entries"
    )
    op.drop_table("document_register_entries")
    op.drop_table("document_registers")
