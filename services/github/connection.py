"""Linking a GitHub account: a pasted token or an OAuth sign-in, sealed at rest, and its state.

The credential leaves this module only as the argument of a GitHub call; everything else sees a hint.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from models.accounts import User
from models.errors import Conflict, ValidationFailed
from models.github import GitHubConnection, GitHubIdentity, LinkState
from repositories.github_tokens import GitHubTokenRepository
from services.audit import AuditLog
from services.github import calls
from services.github.client import CredentialRejected, GitHubGateway
from services.infrastructure.secret_box import SecretBox, Unreadable

OAUTH_STATE_LIFETIME = timedelta(minutes=10)
OAUTH_SCOPES = 'repo read:user'
TOKEN_PREFIXES = ('github_pat_', 'ghp_', 'gho_', 'ghu_', 'ghs_')
UNREADABLE = 'No configured encryption key can read the stored token'
REFUSED = 'GitHub refused the stored token (revoked or expired)'


class GitHubRelinkRequired(Conflict):
    def __init__(self, reason: str) -> None:
        super().__init__(f'{reason}: re-link GitHub in Settings, or disconnect it')


@dataclass(frozen=True)
class Credential:
    owner_id: str
    token: str | None  # None: unauthenticated, public repositories only
    ciphertext: bytes | None = None


def token_hint(token: str) -> str:
    """`ghp_...abcd`: the kind of token and its last four characters, never more."""
    prefix = next((p for p in TOKEN_PREFIXES if token.startswith(p)), '')
    return f'{prefix}...{token[-4:]}'


def checked_token(token: str) -> str:
    token = token.strip()
    if not 20 <= len(token) <= 255 or not token.isascii() or not token.isprintable() or ' ' in token:
        raise ValidationFailed('token', 'must be a GitHub token: 20 to 255 printable characters without spaces')
    return token


def _state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


class GitHubConnections:
    def __init__(
        self,
        *,
        repository: GitHubTokenRepository,
        box: SecretBox,
        gateway: GitHubGateway,
        oauth_client: tuple[str, str] | None,
        callback_url: str,
        audit: AuditLog,
    ) -> None:
        self._audit = audit
        self._repository = repository
        self._box = box
        self._gateway = gateway
        self._oauth_client = oauth_client
        self._callback_url = callback_url
        self.generations: dict[str, int] = {}  # bumped when a user's credential changes (cache keys use it)

    @property
    def oauth_enabled(self) -> bool:
        return self._oauth_client is not None

    async def ensure_indexes(self) -> None:
        await self._repository.ensure_indexes()

    async def status(self, user: User) -> GitHubConnection:
        stored = await self._repository.get(user.id)
        if stored is None:
            return GitHubConnection(LinkState.NONE)
        reason = stored.refused_because
        if reason is None:
            try:
                self._box.open(stored.ciphertext)
            except Unreadable:
                reason = UNREADABLE
        return GitHubConnection(
            state=LinkState.RELINK if reason else LinkState.LINKED,
            kind=stored.kind,
            login=stored.login,
            scopes=stored.scopes,
            expires_at=stored.expires_at,
            hint=stored.hint,
            linked_at=stored.linked_at,
            reason=reason,
        )

    async def link_token(self, user: User, token: str) -> GitHubConnection:
        """Check a pasted token with `GET /user`, then keep it sealed."""
        token = checked_token(token)
        try:
            who = await self._gateway.call(token, calls.identity)
        except CredentialRejected:
            self._gateway.forget(token)
            raise ValidationFailed('token', 'GitHub refused this token (GET /user answered 401)') from None
        await self._store(user, token, who, 'token')
        return await self.status(user)

    async def start_oauth(self, user: User) -> tuple[str, str]:
        """The GitHub authorization URL to send the browser to, and a nonce for that browser alone (an HttpOnly
        cookie): the sign-in links this user's account only when the callback comes from the same browser."""
        if self._oauth_client is None:
            raise Conflict('GitHub sign-in is not configured (ESPAZE_GITHUB_CLIENT_ID and _SECRET)')
        state, browser_nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = datetime.now(UTC) + OAUTH_STATE_LIFETIME
        await self._repository.add_oauth_state(_state_hash(state), user.id, _state_hash(browser_nonce), expires)
        client_id, client_secret = self._oauth_client
        url = await self._gateway.call(
            None,
            lambda gh: gh.get_oauth_application(client_id, client_secret).get_login_url(self._callback_url, state),
        )
        return f'{url}&scope={OAUTH_SCOPES.replace(" ", "%20")}', browser_nonce

    async def finish_oauth(self, code: str, state: str, browser_nonce: str, find_user) -> User:
        """Exchange the code GitHub sent back; `state` must be one this app issued, unused and fresh, and
        `browser_nonce` the one given to the browser that started it (compared in constant time)."""
        if self._oauth_client is None:
            raise Conflict('GitHub sign-in is not configured')
        pending = await self._repository.take_oauth_state(_state_hash(state)) if state else None
        same_browser = pending is not None and hmac.compare_digest(pending[1], _state_hash(browser_nonce or ''))
        user = await find_user(pending[0]) if pending and same_browser else None
        if user is None:
            raise ValidationFailed('state', 'unknown or expired GitHub sign-in; start again from Settings')
        client_id, client_secret = self._oauth_client
        try:
            access = await self._gateway.call(
                None, lambda gh: gh.get_oauth_application(client_id, client_secret).get_access_token(code).token
            )
            who = await self._gateway.call(access, calls.identity)
        except CredentialRejected:
            raise ValidationFailed('code', 'GitHub did not accept this sign-in; start again from Settings') from None
        await self._store(user, access, who, 'oauth')
        return user

    async def _store(self, user: User, token: str, who: GitHubIdentity, kind: str) -> None:
        await self._repository.save(user.id, self._box.seal(token), kind=kind, identity=who, hint=token_hint(token))
        self._changed(user.id)
        await self._audit.record(user, 'github.connect', None, login=who.login, kind=kind)

    async def disconnect(self, user: User) -> bool:
        stored = await self._repository.get(user.id)
        if stored is None:
            return False
        try:
            self._gateway.forget(self._box.open(stored.ciphertext)[0])
        except Unreadable:
            pass
        self._changed(user.id)
        await self._audit.record(user, 'github.disconnect', None, login=stored.login)
        return await self._repository.delete(user.id)

    async def credential(self, user: User) -> Credential:
        """The token to call GitHub with for this user (None when none is linked)."""
        stored = await self._repository.get(user.id)
        if stored is None:
            return Credential(user.id, None)
        if stored.refused_because:
            raise GitHubRelinkRequired(stored.refused_because)
        try:
            token, stale_key = self._box.open(stored.ciphertext)
        except Unreadable:
            raise GitHubRelinkRequired(UNREADABLE) from None
        if stale_key:
            await self._repository.reseal(user.id, stored.ciphertext, self._box.seal(token))
        return Credential(user.id, token, stored.ciphertext)

    async def rejected(self, credential: Credential) -> GitHubRelinkRequired:
        """GitHub answered 401 for this credential: mark it, and explain (no retry)."""
        if credential.ciphertext is not None and credential.token is not None:
            await self._repository.mark_invalid(credential.owner_id, credential.ciphertext, REFUSED)
            self._gateway.forget(credential.token)
            self._changed(credential.owner_id)
        return GitHubRelinkRequired(REFUSED)

    def _changed(self, owner_id: str) -> None:
        self.generations[owner_id] = self.generations.get(owner_id, 0) + 1
