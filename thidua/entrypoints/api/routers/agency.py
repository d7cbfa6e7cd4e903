"""The agency's profile: the version in force on a date, every version, and a new version.

Every signed-in role reads the profile (every document prints it); only the system administrator
(``admin``) stores a new version. A new version is never an edit: it takes effect from its
``effective_from`` and documents dated before keep the version in force on their date.
"""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from thidua.app import agency
from thidua.entrypoints.api.deps import ActorDep, UowDep

router = APIRouter(prefix="/v1/agency", tags=["agency"])


@router.get("")
async def show(
    actor: ActorDep,
    uow: UowDep,
    on: Annotated[date | None, Query(description="Ngày (mặc định hôm nay)")] = None,
) -> agency.ProfileVersionView:
    """Hồ sơ cơ quan có hiệu lực vào ngày ``on`` (mặc định hôm nay)."""
    del actor  # every signed-in role reads it
    day = on or date.today()
    return await uow.run(lambda tx: agency.show(tx, day))


@router.get("/profiles")
async def history(actor: ActorDep, uow: UowDep) -> list[agency.ProfileVersionView]:
    """Mọi phiên bản hồ sơ cơ quan, mới nhất trước."""
    del actor
    return await uow.run(agency.history)


@router.post(
    "/profiles",
    status_code=201,
    responses={
        200: {
            "model": agency.SetProfileResult,
            "description": "Giống hệt phiên bản đang có hiệu lực từ cùng ngày: không tạo gì.",
        }
    },
)
async def set_profile(
    body: Annotated[
        dict[str, Any],
        Body(
            description="Các khóa của tệp hồ sơ cơ quan (code, governing_body, name, place, "
            "symbol, head_title, deputy_title, competence_basis, emulation_regulation, "
            "recipients, effective_from; tùy chọn province_board, name_in_text).",
        ),
    ],
    actor: ActorDep,
    uow: UowDep,
    response: Response,
) -> agency.SetProfileResult:
    """Lưu phiên bản mới của hồ sơ cơ quan (quản trị hệ thống); lỗi nêu tên khóa sai. Hồ sơ giống
    hệt phiên bản đang có hiệu lực từ cùng ngày không tạo phiên bản mới (200, ``created`` false).
    """
    result = await uow.run(lambda tx: agency.set_profile(tx, actor, body))
    if not result.created:
        response.status_code = 200
    return result
