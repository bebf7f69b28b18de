"""Administration of accounts and of the instance (admins only)."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import AdminUser, ServicesDep
from api.schemas import InstanceSettings, InstanceSettingsPatch, PageNumber, UserList, UserOut, UserPatch
from services.registry import Services

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


@router.delete('/users/{user_id}/totp', status_code=status.HTTP_204_NO_CONTENT)
async def reset_second_factor(user_id: str, admin: AdminUser, services: ServicesDep) -> Response:
    """Turn off an account's second factor (a lost phone); recorded in the audit log."""
    await services.two_factor.reset(admin, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _settings(services: Services) -> InstanceSettings:
    return InstanceSettings(
        allow_signup=await services.auth.signup_allowed(), two_factor_required=await services.two_factor.policy()
    )


@router.get('/settings')
async def get_settings(admin: AdminUser, services: ServicesDep) -> InstanceSettings:
    """Instance-wide settings."""
    return await _settings(services)


@router.patch('/settings')
async def update_settings(body: InstanceSettingsPatch, admin: AdminUser, services: ServicesDep) -> InstanceSettings:
    """Open or close self sign-up; require two-factor sign-in of admins, of everyone, or of nobody."""
    if body.allow_signup is not None:
        await services.accounts.set_signup_allowed(admin, body.allow_signup)
    if body.two_factor_required is not None:
        await services.two_factor.set_policy(admin, body.two_factor_required)
    return await _settings(services)
