"""Outgoing webhooks (`webhooks`, the URL sealed), which nodes each one has been told are offline
(`webhook_node_states`), and how far the notifier has read (`notification_checkpoints`)."""

from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from models.notifications import WebhookRecord
from repositories.database import chunked


def _record(doc: dict[str, Any]) -> WebhookRecord:
    return WebhookRecord(
        id=str(doc['_id']),
        sealed_url=doc['url'],
        shown_url=doc['shown_url'],
        kind=doc['kind'],
        events=tuple(doc['events']),
        offline_after_seconds=doc['offline_after_seconds'],
        created_by=doc['created_by'],
        created_at=doc['created_at'],
        last_status=doc.get('last_status'),
        last_at=doc.get('last_at'),
    )


class WebhookRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._webhooks = db['webhooks']
        self._states = db['webhook_node_states']
        self._checkpoints = db['notification_checkpoints']

    async def ensure_indexes(self) -> None:
        await self._states.create_index([('webhook_id', ASCENDING)], name='webhook')

    async def create(
        self,
        *,
        sealed_url: bytes,
        shown_url: str,
        kind: str,
        events: list[str],
        offline_after_seconds: int,
        created_by: str,
        created_at: datetime,
    ) -> WebhookRecord:
        doc = {
            'url': sealed_url,
            'shown_url': shown_url,
            'kind': kind,
            'events': events,
            'offline_after_seconds': offline_after_seconds,
            'created_by': created_by,
            'created_at': created_at,
        }
        result = await self._webhooks.insert_one(doc)
        return _record({**doc, '_id': result.inserted_id})

    async def all(self) -> list[WebhookRecord]:
        return [_record(doc) async for doc in self._webhooks.find().sort('created_at', ASCENDING)]

    async def get(self, webhook_id: str) -> WebhookRecord | None:
        if not ObjectId.is_valid(webhook_id):
            return None
        doc = await self._webhooks.find_one({'_id': ObjectId(webhook_id)})
        return _record(doc) if doc else None

    async def delete(self, webhook_id: str) -> bool:
        if not ObjectId.is_valid(webhook_id):
            return False
        await self._states.delete_many({'webhook_id': webhook_id})
        return (await self._webhooks.delete_one({'_id': ObjectId(webhook_id)})).deleted_count == 1

    async def record_delivery(self, webhook_id: str, status: str, at: datetime) -> None:
        await self._webhooks.update_one({'_id': ObjectId(webhook_id)}, {'$set': {'last_status': status, 'last_at': at}})

    async def _told(self, webhook_id: str, node_ids: list[str]) -> set[str]:
        told = set()
        for part in chunked([f'{webhook_id}|{node_id}' for node_id in node_ids]):
            cursor = self._states.find({'_id': {'$in': part}, 'offline_told': True}, {'_id': 1})
            told |= {doc['_id'].split('|', 1)[1] async for doc in cursor}
        return told

    async def tell_offline(self, webhook_id: str, node_ids: list[str]) -> list[str]:
        """Record that the webhook is told these nodes are offline; returns those it had not been told yet."""
        told = await self._told(webhook_id, node_ids)
        new = [node_id for node_id in node_ids if node_id not in told]
        if new:
            await self._states.bulk_write(
                [
                    UpdateOne(
                        {'_id': f'{webhook_id}|{node_id}'},
                        {'$set': {'offline_told': True, 'webhook_id': webhook_id}},
                        upsert=True,
                    )
                    for node_id in new
                ],
                ordered=False,
            )
        return new

    async def tell_online(self, webhook_id: str, node_ids: list[str]) -> list[str]:
        """Of these nodes, those the webhook was told are offline, now recorded as told they are back."""
        known = await self._told(webhook_id, node_ids)
        told = [node_id for node_id in node_ids if node_id in known]
        if told:
            for part in chunked([f'{webhook_id}|{node_id}' for node_id in told]):
                await self._states.update_many({'_id': {'$in': part}}, {'$set': {'offline_told': False}})
        return told

    async def checkpoint(self, name: str) -> datetime | None:
        doc = await self._checkpoints.find_one({'_id': name})
        return doc['at'] if doc else None

    async def advance_checkpoint(self, name: str, at: datetime) -> None:
        await self._checkpoints.update_one({'_id': name}, {'$set': {'at': at}}, upsert=True)
