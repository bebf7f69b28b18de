"""The `nodes` collection: one document per edge node, keyed by its canonical MAC address."""

import re
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from errors import Conflict
from models import (
    GeoLocation,
    Heartbeat,
    Node,
    NodeCapacity,
    NodeCounts,
    NodeListQuery,
    NodeMetrics,
    NodePage,
    NodeRegistration,
    NodeStatus,
)
from repositories.users import object_id

SORTABLE = {'name', 'status', 'mac_address', 'public_ip', 'created_at', 'last_seen_at'}
_ALWAYS_SET_MIN: dict[str, Any] = {
    'name': '',
    'status': '',
    'mac_address': '',
    'public_ip': '',
    'created_at': datetime(1970, 1, 1, tzinfo=UTC),
}


def _labels_doc(labels: dict[str, str]) -> list[dict[str, str]]:
    # stored as pairs: label keys hold dots and slashes, which MongoDB field paths cannot
    return [{'k': key, 'v': value} for key, value in sorted(labels.items())]


def _location(doc: dict[str, Any]) -> GeoLocation:
    return GeoLocation(doc['latitude'], doc['longitude'], doc.get('accuracy_meters'))


def _to_node(doc: dict[str, Any]) -> Node:
    metrics = doc.get('last_metrics')
    capacity = doc.get('capacity')
    return Node(
        id=str(doc['_id']),
        owner_id=doc['owner_id'],
        name=doc['name'],
        mac_address=doc['mac_address'],
        public_ip=doc['public_ip'],
        seen_ip=doc.get('seen_ip'),
        location=_location(doc['location']),
        labels={pair['k']: pair['v'] for pair in doc.get('labels', [])},
        agent_version=doc.get('agent_version'),
        capacity=NodeCapacity(**capacity) if capacity else None,
        status=NodeStatus(doc['status']),
        created_at=doc['created_at'],
        last_seen_at=doc.get('last_seen_at'),
        last_metrics=NodeMetrics(**metrics) if metrics else None,
        has_token=bool(doc.get('token_hash')),
    )


def _location_doc(location: GeoLocation) -> dict[str, Any]:
    return {'latitude': location.latitude, 'longitude': location.longitude, 'accuracy_meters': location.accuracy_meters}


def _registration_fields(registration: NodeRegistration, seen_ip: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        'public_ip': registration.public_ip,
        'seen_ip': seen_ip,
        'location': _location_doc(registration.location),
        'agent_version': registration.agent_version,
    }
    if registration.name:
        fields['name'] = registration.name
    if registration.labels is not None:
        fields['labels'] = _labels_doc(registration.labels)
    if registration.capacity is not None:
        fields['capacity'] = vars(registration.capacity)
    return fields


class NodeRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._nodes = db['nodes']

    async def ensure_indexes(self) -> None:
        """Unique MAC, and the indexes behind listing, counting and the offline sweep (idempotent)."""
        await self._nodes.create_index([('mac_address', ASCENDING)], unique=True, name='mac_unique')
        await self._nodes.create_index([('owner_id', ASCENDING), ('created_at', DESCENDING)], name='owner_created')
        await self._nodes.create_index([('status', ASCENDING), ('last_seen_at', ASCENDING)], name='status_seen')
        for field in SORTABLE - {'status'}:
            await self._nodes.create_index([(field, ASCENDING)], name=f'sort_{field}')

    async def get(self, node_id: str) -> Node | None:
        """The node with this id, or None (also for ids that are not ObjectIds)."""
        oid = object_id(node_id)
        doc = await self._nodes.find_one({'_id': oid}) if oid else None
        return _to_node(doc) if doc else None

    async def get_by_mac(self, mac: str) -> Node | None:
        """The node with this canonical MAC, or None."""
        doc = await self._nodes.find_one({'mac_address': mac})
        return _to_node(doc) if doc else None

    async def token_hash(self, node_id: str) -> str | None:
        """The node's token hash; None when the node or its token is gone."""
        oid = object_id(node_id)
        doc = await self._nodes.find_one({'_id': oid}, {'token_hash': 1}) if oid else None
        return doc.get('token_hash') if doc else None

    @staticmethod
    def new_id() -> str:
        """An id for a node about to be created (so that its token can name it)."""
        return str(ObjectId())

    async def create(
        self, node_id: str, owner_id: str, registration: NodeRegistration, seen_ip: str | None, token_hash: str
    ) -> Node:
        """Insert a pending node; a MAC that exists already raises Conflict."""
        doc = {
            '_id': ObjectId(node_id),
            'owner_id': owner_id,
            'name': registration.name,
            'mac_address': registration.mac_address,
            'labels': [],
            'capacity': None,
            'status': NodeStatus.PENDING.value,
            'created_at': datetime.now(UTC),
            'last_seen_at': None,
            'last_metrics': None,
            'token_hash': token_hash,
            **_registration_fields(registration, seen_ip),
        }
        try:
            await self._nodes.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict('A node with this MAC address is already registered') from None
        return _to_node(doc)

    async def re_register(
        self, node_id: str, registration: NodeRegistration, seen_ip: str | None, token_hash: str
    ) -> Node | None:
        """Refresh a node's claims and replace its token (the old one stops working)."""
        doc = await self._nodes.find_one_and_update(
            {'_id': object_id(node_id)},
            {'$set': {**_registration_fields(registration, seen_ip), 'token_hash': token_hash}},
            return_document=ReturnDocument.AFTER,
        )
        return _to_node(doc) if doc else None

    async def update_details(self, node_id: str, name: str | None, labels: dict[str, str] | None) -> Node | None:
        """Rename a node or replace its labels."""
        changes: dict[str, Any] = {}
        if name is not None:
            changes['name'] = name
        if labels is not None:
            changes['labels'] = _labels_doc(labels)
        if not changes:
            return await self.get(node_id)
        doc = await self._nodes.find_one_and_update(
            {'_id': object_id(node_id)}, {'$set': changes}, return_document=ReturnDocument.AFTER
        )
        return _to_node(doc) if doc else None

    async def clear_token(self, node_id: str) -> None:
        """Revoke the node's token: its beats are refused until it enrolls again."""
        await self._nodes.update_one({'_id': object_id(node_id)}, {'$set': {'token_hash': None}})

    async def delete(self, node_id: str) -> bool:
        """Remove a node; False when there was none."""
        return (await self._nodes.delete_one({'_id': object_id(node_id)})).deleted_count == 1

    async def not_online(self, node_ids: list[str]) -> list[tuple[str, str, NodeStatus]]:
        """Which of these nodes are not online now: (id, owner_id, status)."""
        oids = [oid for oid in map(object_id, node_ids) if oid]
        cursor = self._nodes.find(
            {'_id': {'$in': oids}, 'status': {'$ne': NodeStatus.ONLINE.value}}, {'status': 1, 'owner_id': 1}
        )
        return [(str(doc['_id']), doc['owner_id'], NodeStatus(doc['status'])) async for doc in cursor]

    async def set_status_if(self, node_id: str, expected: NodeStatus, status: NodeStatus, at: datetime) -> bool:
        """Move a node from `expected` to `status`; False when another writer got there first."""
        result = await self._nodes.update_one(
            {'_id': object_id(node_id), 'status': expected.value},
            {'$set': {'status': status.value, 'status_changed_at': at}},
        )
        return result.modified_count == 1

    async def record_beats(self, beats: list[Heartbeat]) -> int:
        """Write many beats in one round trip; returns how many nodes matched."""
        operations = []
        for beat in beats:
            changes: dict[str, Any] = {'last_seen_at': beat.received_at, 'seen_ip': beat.seen_ip}
            if beat.metrics is not None:
                changes['last_metrics'] = vars(beat.metrics)
            if beat.location is not None:
                changes['location'] = _location_doc(beat.location)
            if beat.agent_version is not None:
                changes['agent_version'] = beat.agent_version
            operations.append(UpdateOne({'_id': object_id(beat.node_id)}, {'$set': changes}))
        if not operations:
            return 0
        result = await self._nodes.bulk_write(operations, ordered=False)
        return result.matched_count

    async def stale_online(self, cutoff: datetime, limit: int = 1000) -> list[tuple[str, str]]:
        """Online nodes not seen since `cutoff`: (id, owner_id)."""
        cursor = self._nodes.find(
            {'status': NodeStatus.ONLINE.value, 'last_seen_at': {'$lt': cutoff}}, {'owner_id': 1}
        ).limit(limit)
        return [(str(doc['_id']), doc['owner_id']) async for doc in cursor]

    async def find_page(self, query: NodeListQuery, owner_id: str | None) -> NodePage:
        """One page of nodes matching the query (only `owner_id`'s when given)."""
        mongo_filter = self._filter(query, owner_id)
        sort = query.sort if query.sort in SORTABLE else 'created_at'
        if sort in _ALWAYS_SET_MIN and sort not in mongo_filter:
            mongo_filter[sort] = {'$gte': _ALWAYS_SET_MIN[sort]}  # lets the store walk the index instead of scanning
        cursor = (
            self._nodes.find(mongo_filter)
            .sort([(sort, DESCENDING if query.descending else ASCENDING), ('_id', ASCENDING)])
            .skip((query.page - 1) * query.page_size)
            .limit(query.page_size)
        )
        items = [_to_node(doc) async for doc in cursor]
        return NodePage(items=items, total=await self._nodes.count_documents(self._filter(query, owner_id)))

    async def counts(self, owner_id: str | None) -> NodeCounts:
        """How many nodes, and how many in each status."""
        base: dict[str, Any] = {'owner_id': owner_id} if owner_id else {}
        pipeline = [{'$match': base}, {'$group': {'_id': '$status', 'n': {'$sum': 1}}}]
        by_status = {doc['_id']: doc['n'] async for doc in await self._nodes.aggregate(pipeline)}
        return NodeCounts(
            total=sum(by_status.values()),
            online=by_status.get('online', 0),
            offline=by_status.get('offline', 0),
            pending=by_status.get('pending', 0),
        )

    async def located(self, owner_id: str | None, limit: int = 20_000) -> list[tuple[str, str, str, float, float]]:
        """(id, name, status, latitude, longitude) of nodes, for the map."""
        base: dict[str, Any] = {'owner_id': owner_id} if owner_id else {}
        projection = {'name': 1, 'status': 1, 'location.latitude': 1, 'location.longitude': 1}
        cursor = self._nodes.find(base, projection).limit(limit)
        return [
            (str(d['_id']), d['name'], d['status'], d['location']['latitude'], d['location']['longitude'])
            async for d in cursor
        ]

    @staticmethod
    def _filter(query: NodeListQuery, owner_id: str | None) -> dict[str, Any]:
        mongo_filter: dict[str, Any] = {}
        if owner_id:
            mongo_filter['owner_id'] = owner_id
        if query.status:
            mongo_filter['status'] = query.status.value
        if query.label:
            key, value = query.label
            mongo_filter['labels'] = {'$elemMatch': {'k': key, 'v': value}}
        if query.text:
            pattern = re.escape(query.text.strip())
            mongo_filter['$or'] = [
                {field: {'$regex': pattern, '$options': 'i'}} for field in ('name', 'mac_address', 'public_ip')
            ]
        return mongo_filter
