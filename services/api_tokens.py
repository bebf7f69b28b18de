"""Personal API tokens for curl and CI: created, listed and revoked by their owner, accepted on /api within their
scopes. Shown once as `espat_<random>`; only their SHA-256 is stored (256 random bits need no slow hash)."""

from datetime import UTC, datetime, timedelta

from models.accounts import User
from models.api_tokens import DEFAULT_DAYS, MOST_ACTIVE_PER_USER, MOST_DAYS, TOKEN_PREFIX, ApiToken, Scope
from models.errors import Conflict, FieldChecks, Forbidden, NotFound, Unauthorized, ValidationFailed
from models.limits import Limit
from repositories.api_tokens import ApiTokenRepository
from repositories.users import UserRepository
from services.audit import AuditLog
from services.infrastructure.rate_limits import RateLimiter
from services.tokens import new_opaque_token, token_hash

NOT_VALID = 'This API token is not valid (unknown, expired or revoked)'


def looks_like_api_token(credential: str) -> bool:
    return credential.startswith(TOKEN_PREFIX)


def _checked_name(name: str) -> str:
    name = ' '.join(name.split())
    if not 1 <= len(name) <= 100:
        raise ValidationFailed('name', 'must be 1 to 100 characters')
    return name


class ApiTokenService:
    def __init__(
        self, *, tokens: ApiTokenRepository, users: UserRepository, audit: AuditLog, limiter: RateLimiter, limit: Limit
    ) -> None:
        self._tokens = tokens
        self._users = users
        self._audit = audit
        self._limiter = limiter
        self._limit = limit

    async def ensure_indexes(self) -> None:
        await self._tokens.ensure_indexes()

    async def create(
        self, user: User, name: str, scopes: list[str], expires_in_days: int | None = None
    ) -> tuple[ApiToken, str]:
        """A new token of `user` and its secret, which is never shown again."""
        with FieldChecks() as checks:
            name = checks.check(_checked_name, name)
            chosen = checks.check(_checked_scopes, scopes)
            days = DEFAULT_DAYS if expires_in_days is None else expires_in_days
            if not 1 <= days <= MOST_DAYS:
                checks.refuse('expiresInDays', f'must be from 1 to {MOST_DAYS} days')
        if Scope.ADMIN in chosen and not user.is_admin:
            raise Forbidden('Only admins may create tokens with the admin scope')
        if Scope.DEPLOY in chosen and not user.can_manage:
            raise Forbidden('Viewers may not create tokens with the deploy scope')
        if await self._tokens.count_active(user.id) >= MOST_ACTIVE_PER_USER:
            raise Conflict(f'An account may hold at most {MOST_ACTIVE_PER_USER} live tokens: revoke one first')
        secret = TOKEN_PREFIX + new_opaque_token()
        token = await self._tokens.create(
            user.id, name, chosen, token_hash(secret), datetime.now(UTC) + timedelta(days=days)
        )
        await self._audit.record(user, 'api_token.create', token.id, name=name, scopes=','.join(chosen), days=days)
        return token, secret

    async def of_user(self, user: User) -> list[ApiToken]:
        return await self._tokens.of_user(user.id)

    async def revoke(self, user: User, token_id: str) -> None:
        """Revoke one of the user's own tokens; it stops working at once."""
        token = await self._tokens.revoke(user.id, token_id[:64])
        if token is None:
            raise NotFound('No such token')
        await self._audit.record(user, 'api_token.revoke', token.id, name=token.name)

    async def revoke_all(self, actor: User | None, user_id: str, reason: str) -> None:
        """Revoke every token of an account (disabled, or its owner asked for it with a password change)."""
        revoked = await self._tokens.revoke_all(user_id)
        if revoked:
            await self._audit.record(actor, 'api_token.revoke_all', user_id, count=revoked, reason=reason)

    async def authenticate(self, secret: str) -> tuple[User, ApiToken]:
        """The account and token behind a presented secret, counting the use; refused when over its rate limit."""
        token = await self._tokens.use(token_hash(secret)) if len(secret) <= 200 else None
        if token is None:
            raise Unauthorized(NOT_VALID)
        user = await self._users.get(token.user_id)
        if user is None or user.disabled:
            raise Unauthorized(NOT_VALID)
        await self._limiter.take(self._limit, token.id)
        return user, token


def _checked_scopes(scopes: list[str]) -> tuple[Scope, ...]:
    try:
        chosen = tuple(dict.fromkeys(Scope(s) for s in scopes))
    except ValueError:
        raise ValidationFailed('scopes', 'each scope is one of read, deploy, admin') from None
    if not chosen:
        raise ValidationFailed('scopes', 'choose at least one of read, deploy, admin')
    return chosen
