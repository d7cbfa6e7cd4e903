"""Liveness probe for load balancers and ``thidua up`` (not in the OpenAPI document)."""

from fastapi import APIRouter

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
