"""Personal API tokens: created, listed and revoked by a signed-in person (never by a token)."""

from datetime import datetime

from fastapi import APIRouter, Response, status
from pydantic import Field

from api.deps import CurrentUser, ServicesDep
from api.schemas import CamelModel
from models.api_tokens import DEFAULT_DAYS, MOST_DAYS

router = APIRouter(prefix='/api/tokens', tags=['tokens'])


class TokenRequest(CamelModel):
    name: str = Field(max_length=200)
    scopes: list[str] = Field(max_length=3, description='read, deploy and/or admin (admins only)')
    expires_in_days: int = Field(default=DEFAULT_DAYS, description=f'1 to {MOST_DAYS}')


class ApiTokenOut(CamelModel):
    id: str
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    uses: int


class CreatedToken(ApiTokenOut):
    token: str = Field(description='shown this once: Espaze keeps only its hash')


class TokenList(CamelModel):
    items: list[ApiTokenOut]


@router.post('', status_code=status.HTTP_201_CREATED)
async def create_token(body: TokenRequest, user: CurrentUser, services: ServicesDep) -> CreatedToken:
    """A new token, shown once as `espat_...`; use it as `Authorization: Bearer` on /api within its scopes."""
    token, secret = await services.api_tokens.create(user, body.name, body.scopes, body.expires_in_days)
    return CreatedToken.model_validate({**ApiTokenOut.of(token).model_dump(), 'token': secret})


@router.get('')
async def list_tokens(user: CurrentUser, services: ServicesDep) -> TokenList:
    """This account's tokens that were not revoked, with their scopes, expiry and last use."""
    return TokenList(items=[ApiTokenOut.of(token) for token in await services.api_tokens.of_user(user)])


@router.delete('/{token_id}', status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(token_id: str, user: CurrentUser, services: ServicesDep) -> Response:
    """Revoke one of this account's tokens; it stops working at once."""
    await services.api_tokens.revoke(user, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
