"""Dependencies shared by the routers: the services, and the user behind the bearer token."""

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from models.accounts import User
from models.errors import Forbidden, Unauthorized
from services.registry import Services
from web.client_address import address_of

STILL_STARTING = 'Espaze is still starting or cannot reach its database'
bearer_scheme = HTTPBearer(auto_error=False, description='An access token from POST /api/auth/login')


async def get_services(request: Request) -> Services:
    """The services, once startup work (indexes, first admin) is done."""
    services: Services = request.app.state.services
    try:
        await services.health.wait_started(timeout=5)
    except TimeoutError:
        raise HTTPException(503, STILL_STARTING, headers={'Retry-After': '5'}) from None
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def current_session(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> tuple[User, str]:
    """The user and session of the access token in the Authorization header (never the query string)."""
    if credentials is None:
        raise Unauthorized('Missing bearer token')
    return await services.auth.user_for_access_token(credentials.credentials)


async def current_user(session: Annotated[tuple[User, str], Depends(current_session)]) -> User:
    return session[0]


async def current_admin(user: Annotated[User, Depends(current_user)]) -> User:
    if not user.is_admin:
        raise Forbidden('Only admins may do this')
    return user


def request_client(request: Request) -> str | None:
    """The client's address, believing X-Forwarded-For only from a configured proxy."""
    return address_of(request)


ClientAddress = Annotated[str | None, Depends(request_client)]
CurrentSession = Annotated[tuple[User, str], Depends(current_session)]
CurrentUser = Annotated[User, Depends(current_user)]
AdminUser = Annotated[User, Depends(current_admin)]
