"""Helpers for the fleet tests: node bodies, enrollment, heartbeats, and direct looks at the database."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from bson import Binary, ObjectId
from pymongo import MongoClient

from repositories.beat_log import log_document
from repositories.node_liveness import NodeLivenessRepository
from tests.support.api_helpers import bearer


def node_body(mac: str = '00:1a:2b:3c:4d:5e', ip: str = '8.8.8.8', **extra: Any) -> dict[str, Any]:
    return {'macAddress': mac, 'publicIp': ip, 'location': {'latitude': 48.8566, 'longitude': 2.3522}, **extra}


async def enroll(client: httpx.AsyncClient, tokens: dict, **body: Any) -> dict:
    response = await client.post('/api/nodes/register', json=node_body(**body), headers=bearer(tokens))
    assert response.status_code in (200, 201), response.text
    return response.json()


async def beat(client: httpx.AsyncClient, node_id: str, node_token: str, body: dict | None = None) -> httpx.Response:
    return await client.post(
        f'/api/nodes/{node_id}/heartbeat', json=body, headers={'Authorization': f'Bearer {node_token}'}
    )


def database(mongo_url: str):
    client = MongoClient(mongo_url, serverSelectionTimeoutMS=5000, tz_aware=True)
    return client, client.get_default_database()


def set_node_fields(mongo_url: str, node_id: str, **fields: Any) -> None:
    client, db = database(mongo_url)
    with client:
        # as the app's own writes do: the read models follow `updated_at`
        db.nodes.update_one({'_id': ObjectId(node_id)}, {'$set': {'updated_at': datetime.now(UTC), **fields}})


def set_liveness(mongo_url: str, node_id: str, **fields: Any) -> None:
    client, db = database(mongo_url)
    with client:
        db.node_liveness.update_one({'_id': ObjectId(node_id)}, {'$set': fields})


def liveness_doc(mongo_url: str, node_id: str) -> dict:
    client, db = database(mongo_url)
    with client:
        return db.node_liveness.find_one({'_id': ObjectId(node_id)})


def node_doc(mongo_url: str, node_id: str) -> dict:
    client, db = database(mongo_url)
    with client:
        return db.nodes.find_one({'_id': ObjectId(node_id)})


async def silence(mongo_url: str, liveness: NodeLivenessRepository, silent_for: dict[str, timedelta]) -> None:
    """Make these nodes' last beats that old, the restart grace over, so that the next sweep sees them: their
    beats are taken out of the beat log, a flush that old holds them instead, and the app reads the log again."""
    now = datetime.now(UTC)
    set_sweep_checkpoint(mongo_url, last_run_at=now, grace_until=now - timedelta(seconds=1))
    silenced = {bytes.fromhex(node_id) for node_id in silent_for}
    client, db = database(mongo_url)
    with client:
        for doc in db.beat_log.find():
            ids = bytes(doc['ids'])
            offsets = bytes(doc.get('offsets') or bytes(2 * (len(ids) // 12)))
            kept = [(ids[12 * n : 12 * n + 12], offsets[2 * n : 2 * n + 2]) for n in range(len(ids) // 12)]
            kept = [pair for pair in kept if pair[0] not in silenced]
            written = {'ids': Binary(b''.join(i for i, _ in kept)), 'offsets': Binary(b''.join(o for _, o in kept))}
            db.beat_log.update_one({'_id': doc['_id']}, {'$set': written})
        for node_id, age in silent_for.items():
            db.beat_log.insert_one(log_document(now - age, [node_id]))
    await liveness.tail.reload()


def set_sweep_checkpoint(mongo_url: str, last_run_at: datetime, grace_until: datetime) -> None:
    client, db = database(mongo_url)
    with client:
        db.instance.update_one(
            {'_id': 'offline_sweep'}, {'$set': {'last_run_at': last_run_at, 'grace_until': grace_until}}, upsert=True
        )


async def until_listed(client: httpx.AsyncClient, tokens: dict, node_id: str, status: str) -> None:
    """Wait until the lists show the node in `status` (the read model follows a write made straight to the
    database within a poll or two)."""
    for _ in range(50):
        found = await client.get(f'/api/nodes?status={status}&pageSize=200', headers=bearer(tokens))
        if node_id in {node['id'] for node in found.json()['items']}:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f'node {node_id} never listed as {status}')
