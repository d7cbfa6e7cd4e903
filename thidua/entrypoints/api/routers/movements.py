"""Movements as data (the annual review, thematic movements) and emulation registrations.

The Office and administrators create and update movements (the body has the keys of the
movement's YAML file; errors are in Vietnamese, naming each key); every role reads them. Units
register for titles of a movement's awards (unit roles for their own units only), the Office for
any unit; ``registrations:import`` takes an .xlsx workbook with a ``registrations`` sheet.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request

from thidua.adapters.tabular import BulkFileError
from thidua.adapters.tabular.registrations import read_registrations_xlsx
from thidua.app import movements
from thidua.app.ports.movements import MovementView, RegistrationView
from thidua.domain import policy
from thidua.domain.movements import MOVEMENT_CODE_PATTERN, movement_from_data
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.entrypoints.api.deps import ActorDep, UowDep

router = APIRouter(tags=["movements"])

MAX_IMPORT_BYTES = 5_000_000

Code = Annotated[
    str, Path(max_length=32, pattern=MOVEMENT_CODE_PATTERN, description="Mã phong trào")
]
MovementBody = Annotated[
    dict[str, Any],
    Body(
        description=(
            "Các khóa như tệp YAML của phong trào: code, kind (annual_review | thematic), name, "
            "year, plan {number, date}, opens, closes, description, contents [{code, text}], "
            "awards [mã], phases [{phase, starts, ends}]"
        )
    ),
]


@router.get("/v1/movements")
async def list_movements(actor: ActorDep, uow: UowDep) -> list[MovementView]:
    """Các phong trào thi đua (bình xét hằng năm, theo chuyên đề)."""
    return await uow.run(lambda tx: movements.list_movements(tx, actor))


@router.post("/v1/movements", status_code=201)
async def create_movement(
    body: MovementBody, actor: ActorDep, uow: UowDep
) -> movements.MovementResult:
    """Văn phòng Sở (hoặc quản trị hệ thống) tạo phong trào."""
    policy.check_movement_admin(actor)  # a role that may not create learns it before any check
    spec = movement_from_data(body, "phong trào")
    return await uow.run(lambda tx: movements.create_movement(tx, actor, spec))


@router.get("/v1/movements/{code}")
async def show_movement(code: Code, actor: ActorDep, uow: UowDep) -> movements.MovementDetail:
    """Một phong trào: kế hoạch, giai đoạn, nội dung, khen thưởng và các đăng ký thi đua
    (đơn vị chỉ thấy đăng ký của đơn vị mình)."""
    return await uow.run(lambda tx: movements.show_movement(tx, actor, code))


@router.put("/v1/movements/{code}")
async def update_movement(
    code: Code, body: MovementBody, actor: ActorDep, uow: UowDep
) -> movements.MovementResult:
    """Sửa phong trào (có ghi nhật ký trước/sau); mã trong nội dung phải trùng mã trên đường dẫn."""
    policy.check_movement_admin(actor)
    spec = movement_from_data(body, "phong trào")
    if spec.code != code:
        raise Refusal(
            RefusalCode.INVALID, f"mã phong trào phải là {code} (như trên đường dẫn).", field="code"
        )
    return await uow.run(lambda tx: movements.update_movement(tx, actor, spec))


@router.get("/v1/movements/{code}/registrations")
async def list_registrations(code: Code, actor: ActorDep, uow: UowDep) -> list[RegistrationView]:
    """Các đăng ký thi đua của phong trào (đơn vị chỉ thấy đơn vị mình)."""
    return await uow.run(lambda tx: movements.list_registrations(tx, actor, code))


@router.post("/v1/movements/{code}/registrations", status_code=201)
async def register(
    code: Code, body: movements.RegistrationRequest, actor: ActorDep, uow: UowDep
) -> RegistrationView:
    """Đăng ký thi đua cho đơn vị (không có staff) hoặc một cán bộ của đơn vị; đăng ký lại thì
    thay danh hiệu đã đăng ký."""
    return await uow.run(lambda tx: movements.register(tx, actor, code, body))


@router.post(
    "/v1/movements/{code}/registrations:import",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "Tệp .xlsx (trang «registrations»), gửi nguyên dạng nhị phân",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def import_registrations(
    code: Code,
    request: Request,
    actor: ActorDep,
    uow: UowDep,
    dry_run: bool = Query(default=False, description="Chỉ kiểm tra, không ghi gì"),
) -> movements.ImportReport:
    """Nhập đăng ký thi đua từ tệp .xlsx (trang «registrations»: movement, kind, code, unit,
    titles); một dòng lỗi thì không nhập dòng nào, lỗi ghi rõ trang, dòng và cột."""
    policy.check_register(actor, None)
    data = await request.body()
    if len(data) > MAX_IMPORT_BYTES:
        raise Refusal(
            RefusalCode.INVALID, f"tệp quá lớn (tối đa {MAX_IMPORT_BYTES} byte).", field="file"
        )
    try:
        rows = read_registrations_xlsx(data)
    except BulkFileError as exc:
        raise Refusal(RefusalCode.INVALID, str(exc), field="file") from None
    return await uow.run(
        lambda tx: movements.import_registrations(
            tx, actor, rows, dry_run=dry_run, movement_code=code
        )
    )
