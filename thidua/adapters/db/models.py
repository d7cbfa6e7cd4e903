"""Tables. Workflows keep the running state; these rows keep the record (and outlive retention).

One module on purpose: every table hangs on the one ``MetaData`` (its naming convention names
the constraints the migrations refer to), and the foreign keys cross areas (nominations → units,
rounds, rulesets; documents → rounds; audit → everything). Read it as the schema's single map;
the queries live in one store module per area beside it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads it as a plain dict
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: DateTime(timezone=True),
    }


class AgencyRow(Base):
    """The root of every organisational record: one agency (cơ quan) using the deployment.

    Its identity on documents is dated data: ``AgencyProfileRow`` versions, never this row.
    """

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime]


class AgencyProfileRow(Base):
    """One version of an agency's profile (names, place, symbol, signers, bases, recipients).

    Versions are never edited: a reorganisation or a correction is a new version. The profile in
    force on a date is the one with the latest ``effective_from`` on or before it (the highest
    ``version`` among equal dates).
    """

    __tablename__ = "agency_profiles"
    __table_args__ = (UniqueConstraint("agency_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    profile: Mapped[dict[str, Any]]
    sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class UnitRow(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    short: Mapped[str] = mapped_column(String(64))  # the abbreviation (``abbreviation`` column)
    kind: Mapped[str] = mapped_column(String(32))  # leadership | division | public_service_unit


class StaffRow(Base):
    """A staff member. ``unit_id``/``position`` mirror the assignment open today (or the last
    one): ``StaffAssignmentRow`` is the dated record, which rosters on a date read."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    gender: Mapped[str] = mapped_column(String(8))
    position: Mapped[str] = mapped_column(String(128))
    category: Mapped[str | None] = mapped_column(String(64))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    joined: Mapped[date | None] = mapped_column(Date)
    left: Mapped[date | None] = mapped_column("left_on", Date)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    unit: Mapped[UnitRow] = relationship()


class StaffAssignmentRow(Base):
    """A staff member in a unit from ``valid_from`` to ``valid_to`` (inclusive; open if None)."""

    __tablename__ = "staff_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    position: Mapped[str] = mapped_column(String(128))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    unit: Mapped[UnitRow] = relationship()


class CouncilMemberRow(Base):
    """A member of the agency's emulation and commendation council for one year."""

    __tablename__ = "council_members"
    __table_args__ = (UniqueConstraint("agency_id", "year", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))  # chair | vice_chair | member | secretary


class StaffRatingRow(Base):
    """The annual ratings register: one staff member's rating and record for one year."""

    __tablename__ = "staff_ratings"
    __table_args__ = (UniqueConstraint("staff_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    rating: Mapped[str] = mapped_column(String(8))
    months_worked: Mapped[int] = mapped_column(Integer)
    maternity_months: Mapped[int] = mapped_column(Integer)
    discipline: Mapped[str] = mapped_column(String(32))
    discipline_until: Mapped[date | None] = mapped_column(Date)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    unit: Mapped[UnitRow | None] = relationship()


class UserUnitRow(Base):
    """An extra unit a user (typically a pipeline service account) is granted."""

    __tablename__ = "user_units"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class ApiTokenRow(Base):
    """An API token, stored only as its SHA-256 hash."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    user: Mapped[UserRow] = relationship()


class MovementRow(Base):
    """An emulation movement: the year's review of annual titles or a thematic movement.

    ``contents``: [{code, text}] (a thematic plan's contents); ``awards``: the title and form
    codes it may grant; ``phases``: [{phase, starts, ends}] with phase one of registration,
    interim_review, final_review (ISO dates).
    """

    __tablename__ = "movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16), server_default="thematic")
    name: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)
    plan_number: Mapped[str] = mapped_column(String(64))
    plan_date: Mapped[date] = mapped_column(Date)
    opens: Mapped[date] = mapped_column(Date)
    closes: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    contents: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True, default=list)
    awards: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True, default=list)
    phases: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True, default=list)


class RegistrationRow(Base):
    """An emulation registration (đăng ký thi đua): a unit or a staff member registers for the
    titles it aims at in a movement, at the start of the year."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("movement_id", "subject_kind", "subject_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movements.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))  # individual | collective
    subject_code: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    titles: Mapped[list[Any]]
    registered_by: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime]
    unit: Mapped[UnitRow] = relationship()


class NominationRow(Base):
    __tablename__ = "nominations"
    __table_args__ = (UniqueConstraint("movement_id", "year", "kind", "nominee_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    workflow_id: Mapped[str] = mapped_column(String(220), unique=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movements.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    nominee_code: Mapped[str] = mapped_column(String(100))
    nominee_name: Mapped[str] = mapped_column(String(255))
    stage: Mapped[str] = mapped_column(String(32), index=True)
    last_step_seq: Mapped[int] = mapped_column(Integer, default=0)
    deadline_at: Mapped[datetime | None]
    facts: Mapped[dict[str, Any]]
    status: Mapped[str | None] = mapped_column(String(32))
    titles: Mapped[list[Any]] = mapped_column(default=list)
    proposals: Mapped[list[Any]] = mapped_column(default=list)
    ruleset_id: Mapped[str | None] = mapped_column(String(64))
    ruleset_version: Mapped[str | None] = mapped_column(String(32))
    ruleset_sha256: Mapped[str | None] = mapped_column(String(64))
    submitted_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    dossier: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    unit_approved_at: Mapped[datetime | None]
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"), index=True)

    unit: Mapped[UnitRow] = relationship()
    movement: Mapped[MovementRow] = relationship()


class NominationStepRow(Base):
    """One recorded step of a nomination (submission, a review decision, a hold...)."""

    __tablename__ = "nomination_steps"
    __table_args__ = (UniqueConstraint("nomination_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    stage_from: Mapped[str | None] = mapped_column(String(32))
    stage_to: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]
    workflow_id: Mapped[str] = mapped_column(String(220))
    run_id: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]


class EvaluationRow(Base):
    """A rules evaluation: version and hash, the input facts, each rule's and condition's outcome."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"), index=True)
    phase: Mapped[str] = mapped_column(String(32))
    ruleset_id: Mapped[str] = mapped_column(String(64))
    ruleset_version: Mapped[str] = mapped_column(String(32))
    ruleset_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    titles: Mapped[list[Any]]
    proposals: Mapped[list[Any]]
    facts: Mapped[dict[str, Any]]
    result: Mapped[dict[str, Any]]
    evaluated_at: Mapped[datetime]
    # The canonical JSON encoding of its decision hash (rules.canonical.Encoding).
    hash_encoding: Mapped[int] = mapped_column(Integer, server_default="1")


class StageAlertRow(Base):
    """A reminder sent while a stage waits, or the escalation record when its deadline passed."""

    __tablename__ = "stage_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(32))
    deadline_at: Mapped[datetime]
    at: Mapped[datetime]


class RoundRow(Base):
    """The Office's consolidation round for a movement and year (one ConsolidationWorkflow)."""

    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("movement_id", "year", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    workflow_id: Mapped[str] = mapped_column(String(220), unique=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movements.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(32))
    late_policy: Mapped[str] = mapped_column(String(16))
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    appraisal: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    ruleset_id: Mapped[str] = mapped_column(String(64))
    ruleset_version: Mapped[str] = mapped_column(String(32))
    steps: Mapped[list[Any]] = mapped_column(default=list)
    # The Office's choices of the award an initiative grounds (migration 0014; None: none).
    initiative_choices: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime]

    movement: Mapped[MovementRow] = relationship()


class AwardItemRow(Base):
    """One title or proposal for one nomination in a round, through council, Director, province."""

    __tablename__ = "award_items"
    __table_args__ = (UniqueConstraint("round_id", "nomination_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(16))  # director | province
    rank: Mapped[int] = mapped_column(Integer)
    council_status: Mapped[str] = mapped_column(String(24), default="pending")
    tally: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    director_status: Mapped[str] = mapped_column(String(24), default="pending")
    director_reason: Mapped[str | None] = mapped_column(Text)
    province_status: Mapped[str | None] = mapped_column(String(24))
    province_reason: Mapped[str | None] = mapped_column(Text)
    amount_vnd: Mapped[int | None] = mapped_column(Integer)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    # The initiatives the award rests on (migration 0014; [] none; None: recorded before it).
    initiatives: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime]

    nomination: Mapped[NominationRow] = relationship()


class RoundPublicationRow(Base):
    """The publication of a round's consolidated list: its length, and the period of the last
    closing's publication (UTC)."""

    __tablename__ = "round_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), unique=True)
    days: Mapped[int] = mapped_column(Integer)
    published_from: Mapped[datetime | None]
    published_until: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class ObjectionRow(Base):
    """An objection to an item of a round's published list: who filed it (and for whom), what
    it says, and the Office's resolution."""

    __tablename__ = "round_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(Text)
    objector: Mapped[str] = mapped_column(String(200))
    on_paper: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    filed_by: Mapped[str] = mapped_column(String(64))
    filed_by_role: Mapped[str] = mapped_column(String(32))
    filed_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    resolution_reason: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None]

    nomination: Mapped[NominationRow] = relationship()


class CouncilMeetingRow(Base):
    """The council's meeting for a round: members, attendance, who voted in writing."""

    __tablename__ = "council_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), unique=True)
    held_on: Mapped[date] = mapped_column(Date)
    members: Mapped[list[Any]]
    ballots: Mapped[list[Any]]
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """The meeting's count (quorum, ballot papers), counting board and the decision establishing
    the council (migration 0013; None for meetings recorded before)."""
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]


class DocumentRow(Base):
    """A generated official document of a round (report, minutes, decision, submission)."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("round_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    number: Mapped[str] = mapped_column(String(64))
    files: Mapped[dict[str, Any]]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class DocumentRegisterRow(Base):
    """One book of the agency's register of outgoing documents for one calendar year.

    ``last_seq`` is the last number taken (``first_seq - 1`` before any); issuers take the next
    one by updating this row, so concurrent issuers queue on it and numbers have no gaps.
    ``first_seq`` is data: 1 by default, higher for an agency that numbered on paper before.
    """

    __tablename__ = "document_registers"
    __table_args__ = (UniqueConstraint("agency_id", "year", "book"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    book: Mapped[str] = mapped_column(String(16))
    first_seq: Mapped[int] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]


class DocumentRegisterEntryRow(Base):
    """One number issued from the register: which document took it. Never reused."""

    __tablename__ = "document_register_entries"
    __table_args__ = (
        UniqueConstraint(
            "agency_id", "year", "book", "seq", name="uq_document_register_entries_seq"
        ),
        UniqueConstraint("agency_id", "year", "number", name="uq_document_register_entries_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    book: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(64))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    issued_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]


class IdempotencyRow(Base):
    """The first response to a POST sent with an ``Idempotency-Key``, replayed on retries."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("principal", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    principal: Mapped[str] = mapped_column(String(64))  # hash of the credential, never the token
    key: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(500))
    body_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class WebhookSubscriptionRow(Base):
    """A pipeline's webhook: where to send which events, signed with its secret (HMAC-SHA256)."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(128))
    event_types: Mapped[list[Any]]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class WebhookDeliveryRow(Base):
    """One event for one subscription: its attempts and outcome (the delivery log)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"), index=True)
    event_id: Mapped[int] = mapped_column(Integer)
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class WebhookCursorRow(Base):
    """How far the dispatcher has read the event feed (one row)."""

    __tablename__ = "webhook_cursor"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntryRow(Base):
    """One entry of the append-only, hash-chained audit log (see ``thidua.app.audit``)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(220), index=True)
    actor: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    workflow_id: Mapped[str | None] = mapped_column(String(220))
    run_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The canonical JSON encoding the entry was hashed with (rules.canonical.Encoding).
    format_version: Mapped[int] = mapped_column(Integer, server_default="1")


class UserPasswordRow(Base):
    """A console sign-in password, stored only as a salted hash (argon2id PHC; older ``scrypt$n$r$p$salt$hash``)."""

    __tablename__ = "user_passwords"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime]


class ConsoleSessionRow(Base):
    """A signed-in console session: the cookie holds the id, we keep only its SHA-256 hash."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    user: Mapped[UserRow] = relationship()


class RulesVersionRow(Base):
    """A version of a criteria ruleset, governed as data: draft → approved → published → retired.

    ``content``/``golden`` are the YAML texts; ``sha256`` is the loader's hash of the content.
    ``effective_from``/``effective_to`` (set when published) decide which version is in force.
    ``supersedes``/``supersedes_effective_to``: the version this one closed when published, and
    that version's end date before, so a rollback can reopen it exactly.
    """

    __tablename__ = "rules_versions"
    __table_args__ = (UniqueConstraint("ruleset_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ruleset_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    golden: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    author: Mapped[str] = mapped_column(String(64))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None]
    published_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None]
    retired_by: Mapped[str | None] = mapped_column(String(64))
    retired_at: Mapped[datetime | None]
    effective_from: Mapped[date | None] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    supersedes: Mapped[str | None] = mapped_column(String(32))
    supersedes_effective_to: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
