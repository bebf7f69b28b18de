"""The audit log: who did what and when, with secrets redacted, for admins to read."""

import logging
from datetime import UTC, datetime

from models.accounts import User
from models.audit import AuditEntry, AuditPage
from models.errors import NotFound, ValidationFailed
from repositories.audit import AuditRepository

log = logging.getLogger(__name__)
SECRET_WORDS = ('password', 'token', 'secret', 'key', 'credential', 'authorization', 'url')
MAX_PAGE_SIZE = 200


def redacted(details: dict[str, object]) -> dict[str, str]:
    """Details as short strings; any field whose name speaks of a secret is replaced."""
    clean = {}
    for name, value in details.items():
        if value is None:
            continue
        secret = any(word in name.lower() for word in SECRET_WORDS)
        clean[name] = '[redacted]' if secret else str(value)[:300]
    return clean


class AuditLog:
    def __init__(self, repository: AuditRepository) -> None:
        self._repository = repository

    async def ensure_indexes(self) -> None:
        await self._repository.ensure_indexes()

    async def record(
        self, actor: User | None, action: str, target: str | None = None, email: str | None = None, **details: object
    ) -> None:
        """Keep one entry; a failure to write it is logged, never raised into the action it describes."""
        entry = AuditEntry(
            id='',
            at=datetime.now(UTC),
            actor_id=actor.id if actor else None,
            actor_email=actor.email if actor else email,
            action=action,
            target=target,
            details=redacted(details),
        )
        try:
            await self._repository.add(entry)
        except Exception:
            log.exception('could not record the audit entry %s', action)

    async def page(
        self, user: User, action: str | None, actor_email: str | None, page: int, page_size: int
    ) -> AuditPage:
        if not user.is_admin:
            raise NotFound('No such page')
        if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValidationFailed('page', f'page from 1, pageSize from 1 to {MAX_PAGE_SIZE}')
        return await self._repository.page(action, actor_email, page, page_size)
