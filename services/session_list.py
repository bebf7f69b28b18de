"""The sessions a person can see and end: their own (Account page, /api/sessions), and an admin anyone's. Each
shows whether it is a browser or the API, the device (from the user agent, through ua-parser), the address, when
it started and when it was last seen."""

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from ua_parser import parse

from models.accounts import Session, User
from models.errors import NotFound
from repositories.sessions import SessionRepository
from repositories.users import UserRepository
from services.audit import AuditLog
from services.tokens import token_hash

SEEN_EVERY_SECONDS = 60.0  # a session's "last seen" is written at most this often by one process
MOST_REMEMBERED = 20_000


def device_of(user_agent: str | None) -> str:
    """'Mobile Safari 15 on iOS 15 (iPhone)', 'curl 8', or the start of the header when it names nothing known."""
    if not user_agent:
        return 'Unknown device'
    found = parse(user_agent[:500])
    if found.user_agent is None:
        return user_agent[:60]
    words = ' '.join(filter(None, (found.user_agent.family, found.user_agent.major)))
    if found.os is not None and found.os.family != 'Other':
        words += ' on ' + ' '.join(filter(None, (found.os.family, found.os.major)))
    if found.device is not None and found.device.family not in ('Other', 'Mac', 'Spider'):
        words += f' ({found.device.family})'
    return words


def public_id(session_id: str) -> str:
    """What a session is called outside: not the id that browser cookies and tokens carry."""
    return token_hash(session_id)[:24]


@dataclass(frozen=True)
class SessionView:
    id: str
    kind: str  # 'browser' or 'api'
    device: str
    address: str | None
    started_at: datetime | None
    last_seen_at: datetime | None
    current: bool


class SessionDirectory:
    def __init__(self, *, sessions: SessionRepository, users: UserRepository, audit: AuditLog) -> None:
        self._sessions = sessions
        self._users = users
        self._audit = audit
        self._written: dict[str, float] = {}

    async def seen(self, session_id: str) -> None:
        """Note that the session was used now (written at most once a minute per session and process)."""
        now = time.monotonic()
        if now - self._written.get(session_id, -SEEN_EVERY_SECONDS) < SEEN_EVERY_SECONDS:
            return
        if len(self._written) >= MOST_REMEMBERED:
            self._written = {sid: at for sid, at in self._written.items() if now - at < SEEN_EVERY_SECONDS}
        self._written[session_id] = now
        await self._sessions.seen(session_id, datetime.now(UTC))

    async def _account(self, actor: User, user_id: str) -> User:
        if actor.id == user_id:
            return actor
        target = await self._users.get(user_id) if actor.is_admin else None
        if target is None:
            raise NotFound('No such user')
        return target

    async def of_user(self, actor: User, user_id: str, current: str | None = None) -> list[SessionView]:
        """The account's live sessions (the actor's own, or anyone's for an admin), the most recently seen first."""
        account = await self._account(actor, user_id)
        return [_view(s, s.id == current) for s in await self._sessions.of_user(account.id)]

    async def end(self, actor: User, user_id: str, session: str) -> None:
        """End one session of the account, named by its public id."""
        account = await self._account(actor, user_id)
        found = next((s for s in await self._sessions.of_user(account.id) if public_id(s.id) == session), None)
        if found is None:
            raise NotFound('No such session')
        await self._sessions.revoke(found.id)
        await self._audit.record(actor, 'session.end', account.id, name=account.email, kind=_kind(found))

    async def end_others(self, actor: User, user_id: str, keep: str | None = None) -> int:
        """End every session of the account but `keep`; how many ended."""
        account = await self._account(actor, user_id)
        others = [s for s in await self._sessions.of_user(account.id) if s.id != keep]
        await self._sessions.revoke_all(account.id, keep=keep)
        await self._audit.record(actor, 'session.end_all', account.id, name=account.email, count=len(others))
        return len(others)


def _kind(session: Session) -> str:
    return 'browser' if session.kind == 'ui' else 'api'


def _view(session: Session, current: bool) -> SessionView:
    return SessionView(
        id=public_id(session.id),
        kind=_kind(session),
        device=session.device or 'Unknown device',
        address=session.address,
        started_at=session.created_at,
        last_seen_at=session.last_seen_at,
        current=current,
    )
