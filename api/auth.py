"""Sign-up, login, token refresh, logout, the current user and password change."""

from fastapi import APIRouter, Response, status

from api.deps import ClientAddress, CurrentSession, CurrentUser, ServicesDep
from api.schemas import (
    LoginRequest,
    PasswordChangeRequest,
    RefreshRequest,
    RegisterRequest,
    SetupRequest,
    TokenResponse,
    UserOut,
)

router = APIRouter(prefix='/api/auth', tags=['auth'])


@router.post('/setup', status_code=status.HTTP_201_CREATED)
async def setup(body: SetupRequest, services: ServicesDep) -> UserOut:
    """Create the first admin with the one-time token printed at startup."""
    return UserOut.of(await services.auth.complete_setup(body.token, body.email, body.password, body.name))


@router.post('/register', status_code=status.HTTP_201_CREATED)
async def register(body: RegisterRequest, services: ServicesDep, client: ClientAddress) -> UserOut:
    """Create an operator account (when sign-up is open)."""
    return UserOut.of(await services.auth.register(body.email, body.password, body.name, client))


@router.post('/login')
async def login(body: LoginRequest, services: ServicesDep, client: ClientAddress) -> TokenResponse:
    """Exchange email and password for an access token (15 minutes) and a refresh token. Too many failures for
    an account or from an address answer 429 with Retry-After until the window ends."""
    return TokenResponse.of(await services.auth.login(body.email, body.password, client))


@router.post('/refresh')
async def refresh(body: RefreshRequest, services: ServicesDep, client: ClientAddress) -> TokenResponse:
    """Rotate a refresh token; a spent one revokes its whole session."""
    return TokenResponse.of(await services.auth.refresh(body.refresh_token, client))


@router.post('/logout', status_code=status.HTTP_204_NO_CONTENT)
async def logout(session: CurrentSession, services: ServicesDep) -> Response:
    """End the session of this access token: it and its refresh token stop working."""
    await services.auth.logout(session[1])
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get('/me')
async def me(user: CurrentUser) -> UserOut:
    """The account behind the access token."""
    return UserOut.of(user)


@router.post('/password', status_code=status.HTTP_204_NO_CONTENT)
async def change_password(body: PasswordChangeRequest, user: CurrentUser, services: ServicesDep) -> Response:
    """Change the password; every session of the account ends, so log in again."""
    await services.auth.change_password(
        user, body.current_password, body.new_password, revoke_tokens=body.revoke_api_tokens
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
