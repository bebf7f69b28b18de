"""`github_hooks`: the webhook made on each repository, with its sealed secret; `github_deliveries`: what GitHub
sent to it and what came of it."""

import uuid
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from models.github import Delivery, DeliveryOutcome, RepositoryHook
from repositories.database import durable

DELIVERIES_KEPT_DAYS = 30


def _hook(doc: dict[str, Any]) -> RepositoryHook:
    return RepositoryHook(doc['_id'], doc['github_repo'], doc['hook_id'], doc['owner_id'], doc['created_at'])


def _delivery(doc: dict[str, Any]) -> Delivery:
    return Delivery(
        delivery_id=doc['delivery_id'],
        event=doc['event'],
        hook_id=doc.get('hook_id'),
        repo_key=doc.get('repo_key'),
        signature_ok=doc['signature_ok'],
        received_at=doc['received_at'],
        ref=doc.get('ref'),
        commit_sha=doc.get('commit_sha'),
        state=doc.get('state', 'done'),
        note=doc.get('note', ''),
        outcomes=tuple(DeliveryOutcome(**o) for o in doc.get('outcomes') or ()),
    )


class GitHubHookRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._hooks = durable(db, 'github_hooks')
        self._deliveries = db['github_deliveries']

    async def ensure_indexes(self) -> None:
        await self._hooks.create_index([('hook_id', ASCENDING)], unique=True, name='hook_id')
        await self._hooks.create_index([('owner_id', ASCENDING)], name='owner')
        await self._deliveries.create_index([('key', ASCENDING)], unique=True, name='delivery')
        await self._deliveries.create_index([('repo_key', ASCENDING), ('received_at', DESCENDING)], name='repo_recent')
        await self._deliveries.create_index([('state', ASCENDING), ('received_at', ASCENDING)], name='state')
        await self._deliveries.create_index(
            [('received_at', ASCENDING)], expireAfterSeconds=DELIVERIES_KEPT_DAYS * 86_400, name='kept'
        )

    async def hook(self, repo_key: str) -> RepositoryHook | None:
        doc = await self._hooks.find_one({'_id': repo_key})
        return _hook(doc) if doc else None

    async def secret(self, hook_id: int) -> tuple[RepositoryHook, bytes] | None:
        doc = await self._hooks.find_one({'hook_id': hook_id})
        return (_hook(doc), doc['secret']) if doc else None

    async def save(self, hook: RepositoryHook, sealed_secret: bytes) -> bool:
        """Store a new hook; False if the repository has one already (made meanwhile by another request)."""
        doc = {
            '_id': hook.repo_key,
            'github_repo': hook.github_repo,
            'hook_id': hook.hook_id,
            'owner_id': hook.owner_id,
            'secret': sealed_secret,
            'created_at': hook.created_at,
        }
        try:
            await self._hooks.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def remove(self, repo_key: str) -> None:
        await self._hooks.delete_one({'_id': repo_key})

    async def made_by(self, owner_id: str) -> list[RepositoryHook]:
        return [_hook(doc) async for doc in self._hooks.find({'owner_id': owner_id}).limit(1000)]

    async def received(self, delivery: Delivery) -> bool:
        """Record a delivery; False if this delivery id was received (and verified) before."""
        key = delivery.delivery_id if delivery.signature_ok else None
        doc = {
            'key': key or f'unverified:{uuid.uuid4().hex}',
            'delivery_id': delivery.delivery_id,
            'event': delivery.event,
            'hook_id': delivery.hook_id,
            'repo_key': delivery.repo_key,
            'signature_ok': delivery.signature_ok,
            'received_at': delivery.received_at,
            'ref': delivery.ref,
            'commit_sha': delivery.commit_sha,
            'state': delivery.state,
            'note': delivery.note,
            'outcomes': [],
        }
        try:
            await self._deliveries.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def finished(self, delivery_id: str, note: str, outcomes: list[DeliveryOutcome]) -> None:
        await self._deliveries.update_one(
            {'key': delivery_id},
            {'$set': {'state': 'done', 'note': note, 'outcomes': [o.__dict__ for o in outcomes]}},
        )

    async def give_up_queued(self, received_before: datetime, note: str) -> int:
        """Deliveries still queued since before then were lost with the process that took them: say so."""
        result = await self._deliveries.update_many(
            {'state': 'queued', 'received_at': {'$lt': received_before}}, {'$set': {'state': 'done', 'note': note}}
        )
        return result.modified_count

    async def recent(self, repo_key: str, limit: int = 50) -> list[Delivery]:
        """The newest deliveries to this repository's hook, newest first."""
        cursor = self._deliveries.find({'repo_key': repo_key}).sort('received_at', DESCENDING).limit(limit)
        return [_delivery(doc) async for doc in cursor]
