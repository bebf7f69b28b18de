"""`commit_statuses`: the statuses to report on GitHub commits, in order, each until sent or given up."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

KEPT_DAYS = 14


@dataclass(frozen=True)
class PendingStatus:
    id: str
    deployment_id: str
    owner_id: str
    github_repo: str
    sha: str
    body: dict[str, str]  # state, description, context, target_url
    attempts: int
    next_at: datetime


def _pending(doc: dict[str, Any]) -> PendingStatus:
    return PendingStatus(
        str(doc['_id']),
        doc['deployment_id'],
        doc['owner_id'],
        doc['github_repo'],
        doc['sha'],
        doc['body'],
        doc['attempts'],
        doc['next_at'],
    )


class CommitStatusRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._statuses = db['commit_statuses']

    async def ensure_indexes(self) -> None:
        await self._statuses.create_index([('outstanding', ASCENDING), ('_id', ASCENDING)], name='outstanding')
        await self._statuses.create_index([('deployment_id', ASCENDING), ('_id', ASCENDING)], name='deployment')
        await self._statuses.create_index(
            [('created_at', ASCENDING)], expireAfterSeconds=KEPT_DAYS * 86_400, name='kept'
        )

    async def add(
        self, deployment_id: str, owner_id: str, github_repo: str, sha: str, body: dict[str, str], now: datetime
    ) -> None:
        await self._statuses.insert_one(
            {
                'deployment_id': deployment_id,
                'owner_id': owner_id,
                'github_repo': github_repo,
                'sha': sha,
                'body': body,
                'attempts': 0,
                'next_at': now,
                'created_at': now,
                'outstanding': True,
                'outcome': None,
            }
        )

    async def outstanding(self, limit: int = 100) -> list[PendingStatus]:
        """The oldest statuses still to send (by the index: sent ones cost nothing)."""
        cursor = self._statuses.find({'outstanding': True}).sort('_id', ASCENDING).limit(limit)
        return [_pending(doc) async for doc in cursor]

    async def sent(self, status_id: str, now: datetime) -> None:
        await self._statuses.update_one(
            {'_id': ObjectId(status_id)}, {'$set': {'outstanding': None, 'outcome': 'sent', 'sent_at': now}}
        )

    async def failed(self, status_id: str, reason: str, retry_in: timedelta | None, now: datetime) -> None:
        """One more failed attempt: try again in `retry_in`, or give up (None)."""
        change: dict[str, Any] = {'last_error': reason[:300]}
        if retry_in is None:
            change |= {'outstanding': None, 'outcome': 'gave up'}
        else:
            change['next_at'] = now + retry_in
        await self._statuses.update_one({'_id': ObjectId(status_id)}, {'$set': change, '$inc': {'attempts': 1}})
