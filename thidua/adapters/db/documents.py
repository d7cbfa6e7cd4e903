"""The documents store over SQLAlchemy: a round's snapshot for its documents, the agency's
register of numbers, and the documents issued (each new one entered in the register and audited
as ``document.issued`` in the same transaction)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from thidua.adapters.db import audit
from thidua.adapters.db.models import (
    AgencyRow,
    AwardItemRow,
    CouncilMeetingRow,
    DocumentRegisterEntryRow,
    DocumentRegisterRow,
    DocumentRow,
    MovementRow,
    NominationRow,
    ObjectionRow,
    RoundRow,
    StaffRow,
    UnitRow,
    UserRow,
)
from thidua.app.ports.documents import Files
from thidua.domain.documents.register import RegisterNumber
from thidua.domain.documents.snapshot import (
    AwardItemRecord,
    CouncilMeetingRecord,
    IssuedDocument,
    MovementRecord,
    NominationRecord,
    ObjectionNote,
    PersonRecord,
    RoundSnapshot,
    StaffRecord,
    UnitRecord,
)

#: How many numbers already entered a book may skip before taking one fails (a start set far
#: below the numbers taken is a data error to fix, not something to walk past).
MAX_SKIPS = 50


class SqlDocumentStore:
    """Implements ``thidua.app.ports.documents.DocumentStore``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # ------------------------------------------------------------------ the round's snapshot

    def round_snapshot(self, round_key: str) -> RoundSnapshot | None:
        s = self.session
        row = s.scalars(select(RoundRow).where(RoundRow.key == round_key)).one_or_none()
        if row is None:
            return None
        items = list(
            s.scalars(
                select(AwardItemRow)
                .where(AwardItemRow.round_id == row.id)
                .order_by(AwardItemRow.rank, AwardItemRow.id)
            )
        )
        results = _appraisal_results(row)
        # The round's nominations: gathered into it, holding one of its items, or appraised in it.
        appraised = [str(r["key"]) for r in results if isinstance(r.get("key"), str)]
        item_ids = {i.nomination_id for i in items}
        condition = NominationRow.round_id == row.id
        if item_ids:
            condition = condition | NominationRow.id.in_(item_ids)
        if appraised:
            condition = condition | NominationRow.key.in_(appraised)
        nominations = list(
            s.scalars(select(NominationRow).where(condition).order_by(NominationRow.id))
        )
        meeting = s.scalars(
            select(CouncilMeetingRow).where(CouncilMeetingRow.round_id == row.id)
        ).first()
        units = {u.id: _unit(u) for u in s.scalars(select(UnitRow).order_by(UnitRow.id))}
        staff_rows = list(s.scalars(select(StaffRow).order_by(StaffRow.id)))
        staff = {st.id: _staff(st, units) for st in staff_rows}
        noms = {n.id: _nomination(n, units) for n in nominations}
        for item in items:  # an item's nomination is always among the round's
            noms.setdefault(item.nomination_id, _nomination(item.nomination, units))
        movement = row.movement
        return RoundSnapshot(
            key=row.key,
            year=row.year,
            ruleset_id=row.ruleset_id,
            ruleset_version=row.ruleset_version,
            movement=MovementRecord(
                name=movement.name,
                year=movement.year,
                plan_number=movement.plan_number,
                plan_date=movement.plan_date,
                contents=tuple((str(c["code"]), str(c["text"])) for c in (movement.contents or [])),
            ),
            appraisal_results=tuple(results),
            items=tuple(_item(i, noms[i.nomination_id]) for i in items),
            nominations=tuple(noms[n.id] for n in nominations),
            meeting=_meeting(meeting) if meeting is not None else None,
            units=tuple(units.values()),
            staff=tuple(staff.values()),
            director=self._director(staff),
            secretary=self._secretary(meeting, staff),
            objections=tuple(
                ObjectionNote(o.nomination.nominee_name, o.title, o.status)
                for o in s.scalars(
                    select(ObjectionRow)
                    .where(ObjectionRow.round_id == row.id)
                    .order_by(ObjectionRow.id)
                )
            ),
        )

    def _director(self, staff: Mapping[int, StaffRecord]) -> PersonRecord | None:
        """The first active user with the Director's role (with their staff record when linked):
        who signs when no staff member holds the profile's head title."""
        user = self.session.scalars(
            select(UserRow)
            .where(UserRow.role == "director", UserRow.active.is_(True))
            .order_by(UserRow.id)
        ).first()
        if user is None:
            return None
        return PersonRecord(
            user.display_name, staff.get(user.staff_id) if user.staff_id is not None else None
        )

    def _secretary(
        self, meeting: CouncilMeetingRow | None, staff: Mapping[int, StaffRecord]
    ) -> PersonRecord | None:
        """The active council secretary, else the user who recorded the meeting."""
        s = self.session
        user = s.scalars(
            select(UserRow)
            .where(UserRow.role == "council_secretary", UserRow.active.is_(True))
            .order_by(UserRow.id)
        ).first()
        if user is None and meeting is not None:
            user = s.scalars(select(UserRow).where(UserRow.username == meeting.recorded_by)).first()
        if user is None:
            return None
        return PersonRecord(
            user.display_name, staff.get(user.staff_id) if user.staff_id is not None else None
        )

    # ------------------------------------------------------------------ issued documents

    def issued(self, round_key: str) -> dict[str, IssuedDocument]:
        rows = self.session.execute(
            select(DocumentRow, DocumentRegisterEntryRow.issued_on)
            .join(RoundRow)
            .outerjoin(
                DocumentRegisterEntryRow, DocumentRegisterEntryRow.document_id == DocumentRow.id
            )
            .where(RoundRow.key == round_key)
        )
        return {d.kind: _issued(round_key, d, on) for d, on in rows}

    def take_number(self, round_key: str, book: str, year: int) -> int:
        """The next number of the round's agency's ``book`` for ``year`` (see the port).

        The book's row is created if missing (``first_seq`` 1) and its ``last_seq`` raised by
        one: that UPDATE locks the row (PostgreSQL) or the database (SQLite) until the
        transaction ends, so a concurrent issuer waits and then takes the following number, and
        a rollback gives the number back (no gaps). A number already entered (a start set below
        numbers taken) is skipped, at most ``MAX_SKIPS`` times; the register's unique
        constraints refuse any duplicate that would still reach it.
        """
        s = self.session
        agency_id = self._agency_of(round_key)
        where = (
            DocumentRegisterRow.agency_id == agency_id,
            DocumentRegisterRow.year == year,
            DocumentRegisterRow.book == book,
        )
        self._open_book(agency_id, year, book)
        for _ in range(MAX_SKIPS):
            s.execute(
                update(DocumentRegisterRow)
                .where(*where)
                .values(last_seq=DocumentRegisterRow.last_seq + 1)
                .execution_options(synchronize_session=False)
            )
            seq = int(s.scalars(select(DocumentRegisterRow.last_seq).where(*where)).one())
            taken = s.scalar(
                select(func.count())
                .select_from(DocumentRegisterEntryRow)
                .where(
                    DocumentRegisterEntryRow.agency_id == agency_id,
                    DocumentRegisterEntryRow.year == year,
                    DocumentRegisterEntryRow.book == book,
                    DocumentRegisterEntryRow.seq == seq,
                )
            )
            if not taken:
                return seq
        raise RuntimeError(f"register {book}/{year}: {MAX_SKIPS} numbers in a row already taken")

    def _agency_of(self, round_key: str) -> int:
        return int(
            self.session.scalars(
                select(MovementRow.agency_id)
                .join(RoundRow, RoundRow.movement_id == MovementRow.id)
                .where(RoundRow.key == round_key)
            ).one()
        )

    def _open_book(self, agency_id: int, year: int, book: str) -> None:
        """Create the book of the year with the default start (01) unless it exists; a
        concurrent creator's row wins (insert or nothing)."""
        values = {
            "agency_id": agency_id,
            "year": year,
            "book": book,
            "first_seq": 1,
            "last_seq": 0,
            "created_at": datetime.now(UTC),
        }
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        self.session.execute(
            insert(DocumentRegisterRow)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["agency_id", "year", "book"])
        )

    def register_book(self, agency_code: str, year: int, book: str) -> tuple[int, int] | None:
        row = self._book(agency_code, year, book)
        return None if row is None else (row.first_seq, row.last_seq)

    def set_register_start(self, agency_code: str, year: int, book: str, first: int) -> None:
        row = self._book(agency_code, year, book)
        if row is None:
            agency_id = self.session.scalars(
                select(AgencyRow.id).where(AgencyRow.code == agency_code)
            ).one()
            row = DocumentRegisterRow(
                agency_id=agency_id, year=year, book=book, created_at=datetime.now(UTC)
            )
            self.session.add(row)
        row.first_seq, row.last_seq = first, first - 1
        self.session.flush()

    def _book(self, agency_code: str, year: int, book: str) -> DocumentRegisterRow | None:
        return self.session.scalars(
            select(DocumentRegisterRow)
            .join(AgencyRow, AgencyRow.id == DocumentRegisterRow.agency_id)
            .where(
                AgencyRow.code == agency_code,
                DocumentRegisterRow.year == year,
                DocumentRegisterRow.book == book,
            )
            .with_for_update()
        ).one_or_none()

    def add(
        self, round_key: str, kind: str, number: RegisterNumber | str, files: Files, sha256: str
    ) -> IssuedDocument:
        rnd = self.session.scalars(select(RoundRow).where(RoundRow.key == round_key)).one()
        now = datetime.now(UTC)
        text = number if isinstance(number, str) else number.number
        row = DocumentRow(
            round_id=rnd.id,
            kind=kind,
            number=text,
            files=dict(files),
            sha256=sha256,
            created_at=now,
        )
        self.session.add(row)
        self.session.flush()
        if not isinstance(number, str):  # an annex carries its parent's number: no entry
            self.session.add(
                DocumentRegisterEntryRow(
                    agency_id=self._agency_of(round_key),
                    year=number.year,
                    book=number.book,
                    seq=number.seq,
                    number=number.number,
                    document_id=row.id,
                    issued_on=number.on,
                    created_at=now,
                )
            )
            self.session.flush()
        audit.record(
            self.session,
            action="document.issued",
            object_type="document",
            object_id=f"{round_key}/{kind}",
            actor=None,
            after={"kind": kind, "number": text, "sha256": sha256},
            workflow_id=rnd.workflow_id,
        )
        return _issued(round_key, row, None if isinstance(number, str) else number.on)

    def set_files(
        self, round_key: str, kind: str, files: Files, sha256: str | None
    ) -> IssuedDocument:
        row = self.session.scalars(
            select(DocumentRow)
            .join(RoundRow)
            .where(RoundRow.key == round_key, DocumentRow.kind == kind)
        ).one()
        if dict(files) != (row.files or {}):
            row.files = dict(files)
        if sha256 is not None:
            row.sha256 = sha256
        self.session.flush()
        return _issued(round_key, row)


def _appraisal_results(row: RoundRow) -> list[Mapping[str, Any]]:
    appraisal = row.appraisal or {}
    results = appraisal.get("results") if isinstance(appraisal, Mapping) else None
    if not isinstance(results, list):
        return []
    return [dict(r) for r in results if isinstance(r, Mapping)]


def _unit(u: UnitRow) -> UnitRecord:
    return UnitRecord(id=u.id, code=u.code, name=u.name, kind=u.kind)


def _staff(s: StaffRow, units: Mapping[int, UnitRecord]) -> StaffRecord:
    return StaffRecord(
        code=s.code,
        full_name=s.full_name,
        gender=s.gender,
        position=s.position,
        unit=units[s.unit_id],
    )


def _nomination(n: NominationRow, units: Mapping[int, UnitRecord]) -> NominationRecord:
    return NominationRecord(
        id=n.id,
        key=n.key,
        kind=n.kind,
        unit=units[n.unit_id],
        nominee_code=n.nominee_code,
        nominee_name=n.nominee_name,
        facts=dict(n.facts or {}),
    )


def _item(i: AwardItemRow, nomination: NominationRecord) -> AwardItemRecord:
    return AwardItemRecord(
        id=i.id,
        rank=i.rank,
        code=i.code,
        level=i.level,
        council_status=i.council_status,
        director_status=i.director_status,
        province_status=i.province_status,
        revoked=i.revoked_at is not None,
        amount_vnd=i.amount_vnd,
        tally=dict(i.tally) if isinstance(i.tally, Mapping) else {},
        nomination=nomination,
        revoked_reason=i.revoked_reason,
    )


def _meeting(m: CouncilMeetingRow) -> CouncilMeetingRecord:
    return CouncilMeetingRecord(
        held_on=m.held_on,
        members=tuple(x for x in m.members or [] if isinstance(x, Mapping)),
        ballots=tuple(x for x in m.ballots or [] if isinstance(x, Mapping)),
        details=dict(m.details) if isinstance(m.details, Mapping) else {},
    )


def _issued(round_key: str, d: DocumentRow, on: date | None = None) -> IssuedDocument:
    files = d.files or {}
    return IssuedDocument(
        round_key=round_key,
        kind=d.kind,
        number=d.number,
        files={fmt: (str(files[fmt]) if files.get(fmt) else None) for fmt in files},
        sha256=d.sha256,
        issued_on=on,
    )
