"""Administration of accounts and of the instance (admins only)."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AdminUser, ServicesDep
from api.schemas import InstanceSettings, PageNumber, UserList, UserOut, UserPatch

router = APIRouter(prefix='/api', tags=['admin'])


@router.get('/users')
async def list_users(
    admin: AdminUser,
    services: ServicesDep,
    page: PageNumber = 1,
    page_size: Annotated[int, Query(alias='pageSize', ge=1, le=200)] = 50,
) -> UserList:
    """Accounts, newest first, one page at a time."""
    result = await services.accounts.list_users(admin, page, page_size)
    return UserList(items=[UserOut.of(u) for u in result.items], total=result.total, page=page, page_size=page_size)


@router.patch('/users/{user_id}')
async def update_user(user_id: str, body: UserPatch, admin: AdminUser, services: ServicesDep) -> UserOut:
    """Change an account's role, or disable it (its sessions end at once)."""
    return UserOut.of(await services.accounts.update_user(admin, user_id, body.role, body.disabled))


@router.get('/settings')
async def get_settings(admin: AdminUser, services: ServicesDep) -> InstanceSettings:
    """Instance-wide settings."""
    return InstanceSettings(allow_signup=await services.auth.signup_allowed())


@router.patch('/settings')
async def update_settings(body: InstanceSettings, admin: AdminUser, services: ServicesDep) -> InstanceSettings:
    """Open or close self sign-up."""
    return InstanceSettings(allow_signup=await services.accounts.set_signup_allowed(admin, body.allow_signup))
