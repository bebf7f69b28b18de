"""The audit log, for admins: who did what and when, newest first."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentUser, ServicesDep
from api.schemas import CamelModel, PageNumber

router = APIRouter(prefix='/api/audit', tags=['audit'])


class AuditEntryOut(CamelModel):
    id: str
    at: datetime
    actor_id: str | None
    actor_email: str | None
    action: str
    target: str | None
    details: dict[str, str]


class AuditPageOut(CamelModel):
    items: list[AuditEntryOut]
    total: int
    page: int
    page_size: int


@router.get('')
async def audit_log(
    user: CurrentUser,
    services: ServicesDep,
    action: Annotated[
        str | None, Query(max_length=60, description='login, login.failed, deployment.scale, ...')
    ] = None,
    actor: Annotated[str | None, Query(max_length=320, description="the actor's email")] = None,
    page: PageNumber = 1,
    page_size: Annotated[int, Query(alias='pageSize', ge=1, le=200)] = 50,
) -> AuditPageOut:
    """Entries with secrets redacted; admins only (anyone else: 404)."""
    return AuditPageOut.of(await services.audit.page(user, action, actor, page, page_size))
