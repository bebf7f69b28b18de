"""Accounts and logins: setup of the first admin, sign-up, login, refresh rotation, logout, password change."""

import logging
import uuid
from datetime import UTC, datetime, timedelta

from models.accounts import NO_CODES, Role, SecondFactorCodes, TokenPair, User
from models.errors import Forbidden, SecondFactorNeeded, Unauthorized, ValidationFailed
from models.limits import Limit
from repositories.instance import InstanceRepository
from repositories.sessions import SessionRepository
from repositories.users import UserRepository
from services.api_tokens import ApiTokenService
from services.audit import AuditLog
from services.credentials import canonical_email, display_name, normalized_password
from services.infrastructure.rate_limits import RateLimiter
from services.passwords import PasswordHasher
from services.session_list import SessionDirectory, device_of
from services.tokens import TokenCodec, new_opaque_token, token_hash
from services.two_factor import TwoFactorService

log = logging.getLogger(__name__)

INVALID_LOGIN = 'Invalid email or password'
PASSWORD_LOGIN_OFF = 'Password sign-in is turned off on this instance: sign in with single sign-on'
UI_SESSION_TTL = timedelta(days=7)
LOGIN_TICKET_TTL = timedelta(seconds=60)


class AuthService:
    def __init__(
        self,
        *,
        users: UserRepository,
        sessions: SessionRepository,
        instance: InstanceRepository,
        hasher: PasswordHasher,
        tokens: TokenCodec,
        signup_default: bool,
        audit: AuditLog,
        limiter: RateLimiter,
        limits: dict[str, Limit],
        api_tokens: ApiTokenService,
        two_factor: TwoFactorService,
        directory: SessionDirectory,
        password_login: bool = True,
    ) -> None:
        self.password_login = password_login
        self._directory = directory
        self._api_tokens = api_tokens
        self._two_factor = two_factor
        self._audit = audit
        self._limiter = limiter
        self._limits = limits
        self._users = users
        self._sessions = sessions
        self._instance = instance
        self._hasher = hasher
        self._tokens = tokens
        self._signup_default = signup_default

    async def ensure_indexes(self) -> None:
        """Create the indexes of every collection this service uses."""
        await self._users.ensure_indexes()
        await self._sessions.ensure_indexes()

    async def needs_setup(self) -> bool:
        """True while no account exists."""
        return await self._users.count() == 0

    async def prepare_setup(self) -> str | None:
        """On an empty instance, a fresh one-time setup token (only its hash is stored); else None."""
        if not await self.needs_setup():
            await self._instance.drop_setup_token()
            return None
        token = new_opaque_token()
        await self._instance.store_setup_token(token_hash(token))
        return token

    async def bootstrap_admin(self, email: str, password: str) -> User | None:
        """Create this admin when no account exists (headless installs); None when accounts exist."""
        if not await self.needs_setup():
            return None
        user = await self._create(email, password, None, Role.ADMIN)
        await self._instance.drop_setup_token()
        await self._audit.record(user, 'setup', user.id, name=user.name, source='ESPAZE_ADMIN_EMAIL')
        log.info('created the first admin from ESPAZE_ADMIN_EMAIL')
        return user

    async def setup_token_valid(self, token: str) -> bool:
        """Whether this is the current one-time setup token."""
        return bool(token) and await self._instance.setup_token_matches(token_hash(token))

    async def complete_setup(self, token: str, email: str, password: str, name: str | None) -> User:
        """Create the first admin with the one-time setup token, which is then spent."""
        canonical = canonical_email(email)
        secret = normalized_password(password)
        name = display_name(name, canonical)
        if not await self._instance.consume_setup_token(token_hash(token)) or not await self.needs_setup():
            raise Forbidden('This setup link is no longer valid')
        admin = await self._users.create(canonical, name, Role.ADMIN, await self._hasher.hash(secret))
        await self._audit.record(admin, 'setup', admin.id, name=admin.name)
        return admin

    async def signup_allowed(self) -> bool:
        """Whether new accounts may sign up by themselves."""
        return await self._instance.signup_allowed(self._signup_default)

    async def register(self, email: str, password: str, name: str | None, client: str | None = None) -> User:
        """Sign up a new operator."""
        await self._limiter.take(self._limits['signup'], client)
        if await self.needs_setup():
            raise Forbidden('Espaze is not set up yet: open the setup link printed when it started')
        if not await self.signup_allowed() or not self.password_login:
            raise Forbidden('Sign-up is turned off on this instance; ask an admin for an account')
        user = await self._create(email, password, name, Role.OPERATOR)
        await self._audit.record(user, 'signup', user.id, name=user.name, address=client or '-')
        return user

    async def _create(self, email: str, password: str, name: str | None, role: Role) -> User:
        canonical = canonical_email(email)
        secret = normalized_password(password)
        name = display_name(name, canonical)
        return await self._users.create(canonical, name, role, await self._hasher.hash(secret))

    async def authenticate(
        self, email: str, password: str, client: str | None = None, codes: SecondFactorCodes = NO_CODES
    ) -> User:
        """The account these credentials open (the audit log records how: 'password', 'password+totp' or
        'password+recovery'). The same Unauthorized for unknown email and wrong password, and the same 429 once an
        account or an address failed too often (known or not). An account with two-factor also needs a code:
        without one, SecondFactorNeeded; wrong ones count against their own limit."""
        if not self.password_login:
            raise Forbidden(PASSWORD_LOGIN_OFF)
        secret = normalized_password(password)
        try:
            canonical = canonical_email(email)
        except ValidationFailed:
            canonical = None
        account = canonical or email.strip().lower()[:320]
        attempts = [(self._limits['login_account'], account), (self._limits['login_address'], client)]
        counted = await self._limiter.take_all(attempts)  # before the slow check: parallel guesses can't overrun it
        user = await self._users.get_by_email(canonical) if canonical else None
        if not await self._hasher.verify(secret, user.password_hash if user else None) or user is None:
            await self._audit.record(None, 'login.failed', None, email=account[:100], address=client)
            raise Unauthorized(INVALID_LOGIN)
        await self._limiter.give_back(counted)  # the limits count failures only
        if user.disabled:
            await self._audit.record(user, 'login.refused', user.id, name=user.name, reason='disabled')
            raise Forbidden('This account is disabled')
        method = 'password'
        if user.two_factor:
            if not codes.given:
                raise SecondFactorNeeded
            method += '+' + await self._two_factor.verify(user, codes.totp, codes.recovery)
        await self._audit.record(user, 'login', user.id, name=user.name, method=method, address=client or '-')
        return user

    async def login(
        self,
        email: str,
        password: str,
        client: str | None = None,
        codes: SecondFactorCodes = NO_CODES,
        user_agent: str | None = None,
    ) -> TokenPair:
        """Open an API session: an access token and a refresh token."""
        user = await self.authenticate(email, password, client, codes)
        session_id = uuid.uuid4().hex
        refresh = self._refresh_token_for(user.id, session_id)
        expires = datetime.now(UTC) + self._tokens.refresh_ttl
        await self._sessions.create(
            session_id, user.id, 'api', token_hash(refresh), expires, address=client, device=device_of(user_agent)
        )
        return self._pair(user, session_id, refresh)

    async def refresh(self, refresh_token: str, client: str | None = None) -> TokenPair:
        """Rotate a refresh token; presenting a spent one revokes its whole session."""
        await self._limiter.take(self._limits['refresh'], client)
        claims = self._tokens.decode(refresh_token, 'refresh')
        session_id = str(claims.get('sid', ''))
        user = await self._users.get(claims['sub'])
        new_refresh = self._refresh_token_for(claims['sub'], session_id)
        rotated = await self._sessions.rotate_refresh(
            session_id,
            token_hash(refresh_token),
            token_hash(new_refresh),
            datetime.now(UTC) + self._tokens.refresh_ttl,
        )
        if not rotated:
            await self._sessions.revoke(session_id)
            log.warning('refresh token reuse or revoked session; session revoked')
            raise Unauthorized('Refresh token is no longer valid')
        if user is None or user.disabled:
            await self._sessions.revoke(session_id)
            raise Unauthorized('Refresh token is no longer valid')
        return self._pair(user, session_id, new_refresh)

    async def user_for_access_token(self, token: str) -> tuple[User, str]:
        """The user and session behind a valid access token, checked against the database on every call."""
        claims = self._tokens.decode(token, 'access')
        user = await self.user_for_session(str(claims.get('sid', '')))
        if user is None or user.id != claims['sub']:
            raise Unauthorized('Session ended: log in again')
        return user, str(claims['sid'])

    async def start_ui_session(self, user: User, address: str | None = None, user_agent: str | None = None) -> str:
        """Open a browser session that counts only once claimed: the one-time ticket that claims it (short-lived,
        only its hash is stored), spent by the browser's next request, which gets a new session identity."""
        ticket = new_opaque_token()
        now = datetime.now(UTC)
        await self._sessions.create(
            uuid.uuid4().hex,
            user.id,
            'ui',
            None,
            now + UI_SESSION_TTL,
            (token_hash(ticket), now + LOGIN_TICKET_TTL),
            address=address,
            device=device_of(user_agent),
        )
        return ticket

    async def claim_ui_session(self, ticket: str) -> str | None:
        """Spend a login ticket: the id of the browser session it opens, or None (unknown, spent or expired)."""
        return await self._sessions.claim(token_hash(ticket)) if ticket else None

    async def live_sessions(self, session_ids: list[str]) -> dict[str, tuple[str, Role]]:
        """Of these sessions, the active ones of enabled accounts, each with its user's id and current role (two
        queries, for closing or refreshing the open pages of the others)."""
        users = await self._sessions.active_among(session_ids)
        roles = await self._users.roles_of_enabled(list(set(users.values())))
        return {sid: (uid, roles[uid]) for sid, uid in users.items() if uid in roles}

    async def user_for_session(self, session_id: str) -> User | None:
        """The enabled user of an active session, or None."""
        if not session_id:
            return None
        session = await self._sessions.get_active(session_id)
        if session is None:
            return None
        user = await self._users.get(session.user_id)
        if user is None or user.disabled:
            return None
        await self._directory.seen(session_id)
        return user

    async def logout(self, session_id: str) -> None:
        """End one session: its refresh token and access tokens stop working."""
        session = await self._sessions.get_active(session_id)
        await self._sessions.revoke(session_id)
        user = await self._users.get(session.user_id) if session is not None else None
        if user is not None:
            await self._audit.record(user, 'logout', user.id, name=user.name)

    async def change_password(
        self, user: User, current: str, new: str, keep_session: str | None = None, revoke_tokens: bool = False
    ) -> None:
        """Replace the password after checking the current one against the account's stored hash (read now, not
        when `user` was loaded); every session of the user ends, but `keep_session` when given, and with
        `revoke_tokens` every API token of the account too."""
        new_secret = normalized_password(new, 'newPassword')
        current_secret = normalized_password(current, 'currentPassword')
        account = await self._users.get(user.id)
        if not await self._hasher.verify(current_secret, account.password_hash if account else None) or not account:
            raise Forbidden('The current password is not correct')
        await self._users.set_password(account.id, await self._hasher.hash(new_secret))
        await self._sessions.revoke_all(account.id, keep=keep_session)
        await self._audit.record(account, 'user.password_change', account.id, name=account.name)
        if revoke_tokens:
            await self._api_tokens.revoke_all(account, account.id, 'password change')

    def _refresh_token_for(self, user_id: str, session_id: str) -> str:
        return self._tokens.encode('refresh', user_id, self._tokens.refresh_ttl, sid=session_id)

    def _pair(self, user: User, session_id: str, refresh: str) -> TokenPair:
        access = self._tokens.encode('access', user.id, self._tokens.access_ttl, sid=session_id)
        return TokenPair(access, refresh, int(self._tokens.access_ttl.total_seconds()), user)
