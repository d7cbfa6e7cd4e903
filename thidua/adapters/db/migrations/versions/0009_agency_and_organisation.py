"""the agency as root of the organisation: dated profile, staff assignments, council members,
ratings register, movements as data, registrations

Every organisational row gets an ``agency_id``. A database that already holds units (the sample
Department loaded before this revision) gets one agency, code ``default``, owning them; it has no
profile until ``thidua agency set`` gives it one. Unit kinds are renamed to the contract's
values (``phong`` → ``division``, ``don_vi_su_nghiep`` → ``public_service_unit``). Each existing
staff member gets one open assignment to their unit from 1900-01-01 (the start is not known), so
rosters on a date read the dated record only.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("code", name=op.f("uq_agencies_code")),
    )
    op.create_table(
        "agency_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_agency_profiles_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_profiles")),
        sa.UniqueConstraint("agency_id", "version", name=op.f("uq_agency_profiles_agency_id")),
    )
    op.create_index(
        op.f("ix_agency_profiles_agency_id"), "agency_profiles", ["agency_id"], unique=False
    )

    conn = op.get_bind()
    has_units = conn.execute(sa.text("SELECT COUNT(*) FROM units")).scalar() or 0
    agency_id = None
    if has_units:
        conn.execute(
            sa.text("INSERT INTO agencies (code, created_at) VALUES ('default', :now)"),
            {"now": datetime.now(UTC)},
        )
        agency_id = conn.execute(sa.text("SELECT id FROM agencies WHERE code='default'")).scalar()

    for table in ("units", "staff", "movements"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("agency_id", sa.Integer(), nullable=True))
        if agency_id is not None:
            conn.execute(sa.text(f"UPDATE {table} SET agency_id = :a"), {"a": agency_id})  # noqa: S608
        with op.batch_alter_table(table) as batch:
            batch.alter_column("agency_id", existing_type=sa.Integer(), nullable=False)
            batch.create_foreign_key(
                op.f(f"fk_{table}_agency_id_agencies"), "agencies", ["agency_id"], ["id"]
            )
            batch.create_index(op.f(f"ix_{table}_agency_id"), ["agency_id"], unique=False)

    conn.execute(sa.text("UPDATE units SET kind='division' WHERE kind='phong'"))
    conn.execute(
        sa.text("UPDATE units SET kind='public_service_unit' WHERE kind='don_vi_su_nghiep'")
    )

    with op.batch_alter_table("staff") as batch:
        batch.alter_column("birth_year", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("category", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("joined", sa.Date(), nullable=True))
        batch.add_column(sa.Column("left_on", sa.Date(), nullable=True))

    with op.batch_alter_table("movements") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="thematic")
        )
        batch.add_column(sa.Column("contents", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("awards", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("phases", sa.JSON(), nullable=True))

    op.create_table(
        "staff_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.String(length=128), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_assignments_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_staff_assignments_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_assignments")),
    )
    op.create_index(
        op.f("ix_staff_assignments_staff_id"), "staff_assignments", ["staff_id"], unique=False
    )
    op.create_index(
        op.f("ix_staff_assignments_unit_id"), "staff_assignments", ["unit_id"], unique=False
    )
    conn.execute(
        sa.text(
            "INSERT INTO staff_assignments (staff_id, unit_id, position, valid_from, valid_to) "
            "SELECT id, unit_id, position, :start, NULL FROM staff"
        ),
        {"start": "1900-01-01"},
    )

    op.create_table(
        "council_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_council_members_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_council_members_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_members")),
        sa.UniqueConstraint(
            "agency_id", "year", "staff_id", name=op.f("uq_council_members_agency_id")
        ),
    )
    op.create_index(
        op.f("ix_council_members_agency_id"), "council_members", ["agency_id"], unique=False
    )
    op.create_index(
        op.f("ix_council_members_staff_id"), "council_members", ["staff_id"], unique=False
    )

    op.create_table(
        "staff_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("rating", sa.String(length=8), nullable=False),
        sa.Column("months_worked", sa.Integer(), nullable=False),
        sa.Column("maternity_months", sa.Integer(), nullable=False),
        sa.Column("discipline", sa.String(length=32), nullable=False),
        sa.Column("discipline_until", sa.Date(), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_staff_ratings_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_ratings_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_ratings")),
        sa.UniqueConstraint("staff_id", "year", name=op.f("uq_staff_ratings_staff_id")),
    )
    for col in ("agency_id", "staff_id", "year"):
        op.create_index(op.f(f"ix_staff_ratings_{col}"), "staff_ratings", [col], unique=False)

    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("movement_id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_code", sa.String(length=32), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["movement_id"], ["movements.id"], name=op.f("fk_registrations_movement_id_movements")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_registrations_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
        sa.UniqueConstraint(
            "movement_id",
            "subject_kind",
            "subject_code",
            name=op.f("uq_registrations_movement_id"),
        ),
    )
    op.create_index(
        op.f("ix_registrations_movement_id"), "registrations", ["movement_id"], unique=False
    )
    op.create_index(op.f("ix_registrations_unit_id"), "registrations", ["unit_id"], unique=False)


def downgrade() -> None:
    op.drop_table("registrations")
    op.drop_table("staff_ratings")
    op.drop_table("council_members")
    op.drop_table("staff_assignments")
    with op.batch_alter_table("movements") as batch:
        for col in ("phases", "awards", "contents", "kind"):
            batch.drop_column(col)
    with op.batch_alter_table("staff") as batch:
        for col in ("left_on", "joined", "category"):
            batch.drop_column(col)
    op.execute("UPDATE units SET kind='phong' WHERE kind='division'")
    op.execute("UPDATE units SET kind='don_vi_su_nghiep' WHERE kind='public_service_unit'")
    for table in ("movements", "staff", "units"):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(op.f(f"ix_{table}_agency_id"))
            batch.drop_constraint(op.f(f"fk_{table}_agency_id_agencies"), type_="foreignkey")
            batch.drop_column("agency_id")
    op.drop_table("agency_profiles")
    op.drop_table("agencies")
