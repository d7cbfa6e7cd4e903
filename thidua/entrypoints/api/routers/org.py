"""The organisation (units, staff and their assignments) and the annual ratings register: read,
correct one record, transfer, and import a file (.xlsx or .csv) with a dry run."""

from datetime import date
from pathlib import PurePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from thidua.adapters.tabular.org import read_tables
from thidua.app import org, ratings
from thidua.app.org_tables import ORG_TABLES, RATINGS_TABLES, OrgFileError, Table
from thidua.app.ports.org import RatingRecord, StaffRecord, UnitRecord
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.entrypoints.api.deps import ActorDep, UowDep

router = APIRouter(tags=["organisation"])

MAX_UPLOAD = 10 * 1024 * 1024
Code = Annotated[str, Field(min_length=1, max_length=32)]


class UnitOut(BaseModel):
    code: str
    name: str
    kind: str
    abbreviation: str


class UnitPatch(BaseModel):
    """Only the fields given are corrected."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=255)
    kind: Literal["leadership", "division", "public_service_unit"] | None = None
    abbreviation: str | None = Field(default=None, max_length=64)


class StaffOut(BaseModel):
    code: str
    full_name: str
    gender: str
    unit: str
    position: str
    category: str | None
    joined: date | None
    left: date | None


class AssignmentOut(BaseModel):
    unit: str
    position: str
    valid_from: date
    valid_to: date | None


class StaffDetailOut(StaffOut):
    assignments: list[AssignmentOut]


class StaffPatch(BaseModel):
    """Only the fields given are corrected; ``left`` or ``category`` null clears it."""

    model_config = ConfigDict(extra="forbid")

    full_name: str | None = Field(default=None, max_length=255)
    gender: Literal["nam", "nu"] | None = None
    position: str | None = Field(default=None, max_length=128)
    category: str | None = Field(default=None, max_length=64)
    left: date | None = None


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: Code
    valid_from: date
    position: str | None = Field(default=None, max_length=128)


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Literal["HTXSNV", "HTTNV", "HTNV", "KHTNV"]
    months_worked: int = Field(default=12, ge=0, le=12)
    maternity_months: int = Field(default=0, ge=0, le=12)
    discipline: str = "none"
    discipline_until: date | None = None


class RatingOut(BaseModel):
    year: int
    staff_code: str
    rating: str
    months_worked: int
    maternity_months: int
    discipline: str
    discipline_until: date | None


class RegisterLine(BaseModel):
    unit: str
    staff_code: str
    full_name: str
    rating: RatingOut | None


class SheetCountsOut(BaseModel):
    created: int
    updated: int
    transferred: int
    unchanged: int


class ImportOut(BaseModel):
    dry_run: bool
    sheets: dict[str, SheetCountsOut]


def _unit(u: UnitRecord) -> UnitOut:
    return UnitOut(code=u.code, name=u.name, kind=u.kind, abbreviation=u.abbreviation)


def _staff(s: StaffRecord, unit: str | None = None) -> StaffOut:
    return StaffOut(
        code=s.code,
        full_name=s.full_name,
        gender=s.gender,
        unit=unit or s.unit,
        position=s.position,
        category=s.category,
        joined=s.joined,
        left=s.left,
    )


def _detail(d: org.StaffDetail) -> StaffDetailOut:
    return StaffDetailOut(
        **_staff(d.staff).model_dump(),
        assignments=[
            AssignmentOut(
                unit=a.unit, position=a.position, valid_from=a.valid_from, valid_to=a.valid_to
            )
            for a in d.assignments
        ],
    )


def _rating(r: RatingRecord) -> RatingOut:
    return RatingOut(**vars(r))


def _summary(s: org.ImportSummary) -> ImportOut:
    return ImportOut.model_validate(s.as_dict())


async def _tables(file: UploadFile, accept: tuple[str, ...]) -> dict[str, Table]:
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise Refusal(RefusalCode.INVALID, "tệp quá lớn (tối đa 10 MB).", field="file")
    suffix = PurePath(file.filename or "").suffix.lower()
    try:
        return read_tables(data, suffix, accept, file.filename or "tệp")
    except OrgFileError as exc:
        raise Refusal(RefusalCode.INVALID, str(exc), field="file") from None


@router.get("/v1/units")
async def list_units(actor: ActorDep, uow: UowDep) -> list[UnitOut]:
    """Các đơn vị (vai trò đơn vị: chỉ đơn vị của mình)."""
    return [_unit(u) for u in await uow.run(lambda tx: org.list_units(tx, actor))]


@router.get("/v1/units/{code}")
async def get_unit(code: str, actor: ActorDep, uow: UowDep) -> UnitOut:
    return _unit(await uow.run(lambda tx: org.get_unit(tx, actor, code)))


@router.patch("/v1/units/{code}")
async def patch_unit(code: str, body: UnitPatch, actor: ActorDep, uow: UowDep) -> UnitOut:
    """Sửa tên, loại, tên viết tắt của đơn vị (quản trị hệ thống)."""
    changes = body.model_dump(exclude_unset=True)
    return _unit(await uow.run(lambda tx: org.update_unit(tx, actor, code, changes)))


@router.get("/v1/staff")
async def list_staff(
    actor: ActorDep,
    uow: UowDep,
    unit: str | None = Query(default=None, max_length=32),
    on: Annotated[date | None, Query(description="Danh sách của đơn vị vào ngày này")] = None,
) -> list[StaffOut]:
    """Nhân sự của một đơn vị (vào ngày ``on``, theo các quyết định phân công)."""
    rows = await uow.run(lambda tx: org.list_staff(tx, actor, unit, on))
    return [_staff(s, u) for u, s in rows]


@router.get("/v1/staff/{code}")
async def get_staff(code: str, actor: ActorDep, uow: UowDep) -> StaffDetailOut:
    """Một nhân sự và quá trình công tác (các đơn vị theo thời gian)."""
    return _detail(await uow.run(lambda tx: org.get_staff(tx, actor, code)))


@router.patch("/v1/staff/{code}")
async def patch_staff(code: str, body: StaffPatch, actor: ActorDep, uow: UowDep) -> StaffDetailOut:
    """Sửa họ tên, giới tính, chức vụ, ngạch, ngày nghỉ (quản trị hệ thống)."""
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    changes = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in changes.items()}
    return _detail(await uow.run(lambda tx: org.correct_staff(tx, actor, code, changes)))


@router.post("/v1/staff/{code}/transfers", status_code=201)
async def transfer_staff(
    code: str, body: TransferIn, actor: ActorDep, uow: UowDep
) -> StaffDetailOut:
    """Chuyển nhân sự sang đơn vị khác từ ngày ``valid_from`` (quản trị hệ thống)."""
    detail = await uow.run(
        lambda tx: org.transfer_staff(
            tx, actor, code, body.unit, body.valid_from, position=body.position
        )
    )
    return _detail(detail)


@router.get("/v1/ratings")
async def list_ratings(
    actor: ActorDep,
    uow: UowDep,
    year: int = Query(ge=1945, le=2100),
    unit: str | None = Query(default=None, max_length=32),
) -> list[RegisterLine]:
    """Sổ xếp loại của năm: nhân sự thuộc đơn vị trong năm và xếp loại (nếu đã có)."""
    rows = await uow.run(lambda tx: ratings.register(tx, actor, year, unit))
    return [
        RegisterLine(
            unit=r.unit,
            staff_code=r.staff_code,
            full_name=r.full_name,
            rating=_rating(r.rating) if r.rating else None,
        )
        for r in rows
    ]


@router.put("/v1/ratings/{year}/{staff_code}")
async def put_rating(
    year: Annotated[int, PathParam(ge=1945, le=2100)],
    staff_code: str,
    body: RatingIn,
    actor: ActorDep,
    uow: UowDep,
) -> RatingOut:
    """Ghi xếp loại một năm của một nhân sự."""
    values: dict[str, object] = body.model_dump()
    rec = await uow.run(lambda tx: ratings.set_rating(tx, actor, year, staff_code, values))
    return _rating(rec)


@router.post("/v1/org:import")
async def import_org(
    actor: ActorDep,
    uow: UowDep,
    file: Annotated[
        UploadFile, File(description="Tệp .xlsx (sheet units, staff, council) hoặc .csv")
    ],
    dry_run: bool = Query(default=False),
    effective: Annotated[date | None, Query()] = None,
) -> ImportOut:
    """Nhập đơn vị, nhân sự, Hội đồng (quản trị hệ thống). Một dòng sai thì không nhập gì: 422
    kèm mọi lỗi (sheet, dòng, cột)."""
    tables = await _tables(file, ORG_TABLES)
    summary = await uow.run(
        lambda tx: org.import_org(tx, actor, tables, dry_run=dry_run, effective=effective)
    )
    return _summary(summary)


@router.post("/v1/ratings:import")
async def import_ratings(
    actor: ActorDep,
    uow: UowDep,
    file: Annotated[UploadFile, File(description="Tệp .xlsx (sheet ratings) hoặc .csv")],
    dry_run: bool = Query(default=False),
) -> ImportOut:
    """Nhập sổ xếp loại. Một dòng sai thì không nhập gì: 422 kèm mọi lỗi (sheet, dòng, cột)."""
    tables = await _tables(file, RATINGS_TABLES)
    summary = await uow.run(
        lambda tx: ratings.import_ratings(tx, actor, tables["ratings"], dry_run=dry_run)
    )
    return _summary(summary)
