"""Single sign-on with an OpenID provider, through Authlib: discovery, the authorization code flow with PKCE (S256),
`state` kept in the browser's signed session and `nonce`; the ID token checked against the provider's keys (a key
id it does not know makes Authlib fetch the keys again, so rotation is honoured) for `iss`, `aud`, `azp`, `exp` and
`iat`. Accounts are linked by verified email only, and each sign-in sets the role from the configured claim."""

import logging
import secrets
import time

import httpx2
from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from joserfc.errors import JoseError
from starlette.requests import Request
from starlette.responses import RedirectResponse

from models.accounts import Role, User
from models.errors import Conflict, RateLimited, ValidationFailed
from models.limits import Limit
from models.single_sign_on import SingleSignOnSettings
from repositories.sessions import SessionRepository
from repositories.sso_links import SingleSignOnLinks, made_by_sign_on
from repositories.users import UserRepository
from services.audit import AuditLog
from services.credentials import canonical_email, display_name
from services.infrastructure.rate_limits import RateLimiter
from services.passwords import PasswordHasher

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10.0
LEEWAY_SECONDS = 60
OLDEST_IAT_SECONDS = 600  # an ID token issued longer ago than this is not taken as a fresh sign-in


class SignOnRefused(Exception):
    """A sign-in through the provider that opens nothing; `reason` is one of REASONS (shown, never the details)."""

    def __init__(self, reason: str, detail: str = '') -> None:
        super().__init__(f'{reason}: {detail}' if detail else reason)
        self.reason = reason


REASONS = {
    'state': 'The sign-in did not start in this browser, or was already used: try again.',
    'refused': 'The provider did not sign you in.',
    'token': "The provider's answer could not be verified.",
    'email': 'The provider has not verified the email address of this account.',
    'role': 'This account may not use Espaze (it is in none of the groups that may).',
    'disabled': 'This account is disabled.',
    'unavailable': 'The sign-in provider could not be reached: try again later.',
    'busy': 'Too many failed sign-ins from this address: try again later.',
}


def email_verified(claims: dict) -> bool:
    """Whether the provider vouches for the email: `email_verified`, or, when a provider sends none (Microsoft Entra
    ID for organisational accounts), its optional `xms_edov` claim (the email's domain is verified by the tenant)."""
    verified = claims.get('email_verified')
    if verified is None:
        return claims.get('xms_edov') in (True, 'true', '1', 1)
    return verified in (True, 'true')


def _fresh_iat(claims, value) -> bool:
    return isinstance(value, int | float) and time.time() - OLDEST_IAT_SECONDS <= value <= time.time() + LEEWAY_SECONDS


class SingleSignOn:
    def __init__(
        self,
        settings: SingleSignOnSettings,
        *,
        callback_url: str,
        users: UserRepository,
        links: SingleSignOnLinks,
        sessions: SessionRepository,
        hasher: PasswordHasher,
        audit: AuditLog,
        limiter: RateLimiter,
        failures_limit: Limit,
    ) -> None:
        self.settings = settings
        self._limiter = limiter
        self._failures_limit = failures_limit
        self._callback_url = callback_url
        self._users = users
        self._links = links
        self._sessions = sessions
        self._hasher = hasher
        self._audit = audit
        registry = OAuth()
        registry.register(
            'espaze',
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            server_metadata_url=f'{settings.issuer}/.well-known/openid-configuration',
            client_kwargs={'scope': settings.scopes, 'code_challenge_method': 'S256', 'timeout': TIMEOUT_SECONDS},
        )
        self._client = registry.create_client('espaze')

    @property
    def name(self) -> str:
        return self.settings.name

    async def ensure_indexes(self) -> None:
        await self._links.ensure_indexes()

    async def redirect(self, request: Request) -> RedirectResponse:
        """Send the browser to the provider; what the callback checks is kept in its signed session."""
        try:
            await self._discovered()
            return await self._client.authorize_redirect(request, self._callback_url)
        except (httpx2.HTTPError, ValueError, KeyError) as error:
            raise SignOnRefused('unavailable', type(error).__name__) from None

    async def _discovered(self) -> dict:
        metadata = await self._client.load_server_metadata()
        if metadata.get('issuer') != self.settings.issuer:
            raise SignOnRefused('unavailable', 'the discovery document names another issuer')
        return metadata

    async def finish(self, request: Request, address: str | None) -> User:
        """The account the provider's answer signs in; SignOnRefused (and an audit entry) when it signs in none."""
        try:
            counted = await self._limiter.take_all([(self._failures_limit, address)])
        except RateLimited:
            raise SignOnRefused('busy') from None
        try:
            claims = await self._verified_claims(request)
            user = await self._account_for(claims)
        except SignOnRefused as refused:
            log.info('single sign-on refused: %s', refused)
            await self._audit.record(None, 'login.failed', None, method='oidc', reason=refused.reason, address=address)
            raise
        await self._limiter.give_back(counted)  # the limit counts failures only
        await self._audit.record(user, 'login', user.id, name=user.name, method='oidc', address=address or '-')
        return user

    async def _verified_claims(self, request: Request) -> dict:
        if request.query_params.get('error'):
            raise SignOnRefused('refused', request.query_params.get('error', '')[:40])
        options = {
            'iss': {'essential': True, 'value': self.settings.issuer},
            'aud': {'essential': True, 'value': self.settings.client_id},
            'iat': {'essential': True, 'validate': _fresh_iat},
        }
        try:
            await self._discovered()
            token = await self._client.authorize_access_token(request, claims_options=options, leeway=LEEWAY_SECONDS)
        except OAuthError as error:
            kind = 'state' if error.error in ('mismatching_state', 'missing_state') else 'token'
            raise SignOnRefused(kind, error.error) from None
        except JoseError as error:
            raise SignOnRefused('token', type(error).__name__) from None
        except httpx2.HTTPError as error:
            raise SignOnRefused('unavailable', type(error).__name__) from None
        if 'userinfo' not in token:
            raise SignOnRefused('token', 'no ID token')
        claims = dict(token['userinfo'])
        metadata = await self._discovered()
        if metadata.get('userinfo_endpoint'):
            try:
                more = await self._client.userinfo(token=token)
            except httpx2.HTTPError as error:
                raise SignOnRefused('unavailable', type(error).__name__) from None
            if more.get('sub') != claims['sub']:
                raise SignOnRefused('token', 'userinfo is about another subject')
            claims = {**more, **claims}
        return claims

    async def _account_for(self, claims: dict) -> User:
        subject = f'{self.settings.issuer}|{claims["sub"]}'
        if not email_verified(claims) or not isinstance(claims.get('email'), str):
            raise SignOnRefused('email')
        try:
            email = canonical_email(claims['email'])
        except ValidationFailed:
            raise SignOnRefused('email', 'not an address') from None
        role = self.settings.role_for(claims)
        user = await self._links.by_subject(subject)
        if user is None:
            known = await self._users.get_by_email(email)
            user = await self._links.link(known.id, subject) if known is not None else None
        if role is None:
            if user is not None:
                await self._users.update_access(user.id, None, True)
                await self._sessions.revoke_all(user.id)
                await self._audit.record(None, 'user.update', user.id, name=user.email, disabled=True, by='oidc')
            raise SignOnRefused('role')
        if user is None:
            user = await self._new_account(email, claims, role, subject)
        if user.disabled:
            raise SignOnRefused('disabled')
        return await self._with_role(user, role)

    async def _new_account(self, email: str, claims: dict, role: Role, subject: str) -> User:
        name = display_name(str(claims.get('name') or '')[:200] or None, email)
        unusable = await self._hasher.hash(secrets.token_urlsafe(32).encode())
        try:
            user = await self._users.create(email, name, role, unusable, made_by_sign_on(subject))
        except Conflict:
            raise SignOnRefused('token', 'an account with this email appeared meanwhile') from None
        await self._audit.record(user, 'signup', user.id, name=user.name, method='oidc')
        return user

    async def _with_role(self, user: User, role: Role) -> User:
        """The mapping decides the role at every sign-in; the last active admin is never demoted by it."""
        if user.role == role:
            return user
        if user.is_admin and await self._users.count_active_admins() <= 1:
            log.warning('single sign-on would demote the last active admin; kept as admin')
            return user
        updated = await self._users.update_access(user.id, role, None)
        await self._audit.record(None, 'user.update', user.id, name=user.email, role=role.value, by='oidc')
        return updated or user
