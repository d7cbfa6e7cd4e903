"""Who the caller is: the account behind the bearer token."""

from fastapi import APIRouter

from thidua.domain.roles import Actor
from thidua.entrypoints.api.deps import ActorDep

router = APIRouter(tags=["auth"])


@router.get("/v1/me")
async def me(actor: ActorDep) -> Actor:
    return actor
