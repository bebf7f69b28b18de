"""Sign-up, login, token refresh, logout, the current user and password change."""

from fastapi import APIRouter, Request, Response, status

from api.deps import ClientAddress, CurrentSession, CurrentUser, ServicesDep
from api.schemas import (
    LoginRequest,
    PasswordChangeRequest,
    RecoveryCodes,
    RefreshRequest,
    RegisterRequest,
    SetupRequest,
    TokenResponse,
    TotpCode,
    TotpSetup,
    UserOut,
)
from models.accounts import SecondFactorCodes

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
async def login(body: LoginRequest, request: Request, services: ServicesDep, client: ClientAddress) -> TokenResponse:
    """Exchange email and password for an access token (15 minutes) and a refresh token. An account with
    two-factor also sends `totpCode` or `recoveryCode`; without either it gets 401 with `"secondFactor": "totp"`
    and no token. Too many failures for an account or from an address answer 429 with Retry-After until the
    window ends (wrong codes have their own limit)."""
    return TokenResponse.of(
        await services.auth.login(
            body.email,
            body.password,
            client,
            SecondFactorCodes(body.totp_code, body.recovery_code),
            request.headers.get('user-agent'),
        )
    )


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


@router.post('/totp')
async def start_two_factor(user: CurrentUser, services: ServicesDep) -> TotpSetup:
    """Start setting up two-factor sign-in: the secret for an authenticator app, and its otpauth:// URI."""
    secret, uri = await services.two_factor.start(user)
    return TotpSetup(secret=secret, otpauth_uri=uri)


@router.post('/totp/confirm')
async def confirm_two_factor(body: TotpCode, user: CurrentUser, services: ServicesDep) -> RecoveryCodes:
    """Turn two-factor on with the first code the app shows; answers ten recovery codes, shown only now."""
    return RecoveryCodes(recovery_codes=await services.two_factor.confirm(user, body.code))


@router.delete('/totp', status_code=status.HTTP_204_NO_CONTENT)
async def stop_two_factor(body: TotpCode, user: CurrentUser, services: ServicesDep) -> Response:
    """Turn two-factor off, with a current code or a recovery code."""
    await services.two_factor.disable(user, body.code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
