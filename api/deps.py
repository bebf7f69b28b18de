"""Dependencies shared by the routers: the services, and the user behind the bearer token."""

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.token_scopes import route_path, scope_needed
from models.accounts import User
from models.errors import Forbidden, Unauthorized
from services.api_tokens import looks_like_api_token
from services.registry import Services
from web.client_address import address_of

STILL_STARTING = 'Espaze is still starting or cannot reach its database'
bearer_scheme = HTTPBearer(
    auto_error=False,
    description='An access token from POST /api/auth/login, or a personal API token (espat_...) within its scopes',
)
TOKEN_SESSION_PREFIX = 'api-token:'
SET_UP_TWO_FACTOR = 'This instance requires two-factor sign-in: set it up first (POST /api/auth/totp)'


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
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> tuple[User, str]:
    """The user and session of the bearer token in the Authorization header (never the query string): an access
    token, or a personal API token when the route is within its scopes."""
    if credentials is None:
        raise Unauthorized('Missing bearer token')
    if looks_like_api_token(credentials.credentials):
        found = await _api_token_session(request, services, credentials.credentials)
    else:
        found = await services.auth.user_for_access_token(credentials.credentials)
    if await services.two_factor.must_set_up(found[0]) and not route_path(request).startswith('/api/auth/'):
        raise Forbidden(SET_UP_TWO_FACTOR)
    return found


async def _api_token_session(request: Request, services: Services, secret: str) -> tuple[User, str]:
    user, token = await services.api_tokens.authenticate(secret)
    needed = scope_needed(request)
    if needed is None:
        raise Forbidden('API tokens may not do this: sign in as a person')
    if not token.allows(needed):
        raise Forbidden(f"This API token lacks the '{needed.value}' scope")
    return user, TOKEN_SESSION_PREFIX + token.id


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
