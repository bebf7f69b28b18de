"""The `nodes` collection: one document per edge node, keyed by its canonical MAC address."""

from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from models.errors import Conflict
from models.fleet import (
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
from models.fleet_map import MapMarker
from repositories.database import chunked
from repositories.node_index import PROJECTION, NodeIndex, node_row
from repositories.node_liveness import NodeLivenessRepository
from repositories.read_model import ReadModel
from repositories.users import object_id

ONLINE = NodeStatus.ONLINE.value
TOMBSTONE_DAYS = 1  # how long a deletion stays visible to the read models of the other replicas


def _labels_doc(labels: dict[str, str]) -> list[dict[str, str]]:
    # stored as pairs: label keys hold dots and slashes, which MongoDB field paths cannot
    return [{'k': key, 'v': value} for key, value in sorted(labels.items())]


def _location(doc: dict[str, Any]) -> GeoLocation:
    return GeoLocation(doc['latitude'], doc['longitude'], doc.get('accuracy_meters'))


def _to_node(doc: dict[str, Any], live: dict[str, Any] | None, status: str) -> Node:
    live = live or {}
    metrics = live.get('metrics')
    capacity = doc.get('capacity')
    return Node(
        id=str(doc['_id']),
        owner_id=doc['owner_id'],
        name=doc['name'],
        mac_address=doc['mac_address'],
        public_ip=doc['public_ip'],
        seen_ip=live.get('seen_ip') or doc.get('seen_ip'),
        location=_location(doc['location']),
        labels={pair['k']: pair['v'] for pair in doc.get('labels', [])},
        agent_version=doc.get('agent_version'),
        capacity=NodeCapacity(**capacity) if capacity else None,
        status=NodeStatus(status),
        created_at=doc['created_at'],
        last_seen_at=live.get('last_seen_at'),
        last_metrics=NodeMetrics(**metrics) if metrics else None,
        token_id=doc.get('token_id'),
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
    """Nodes, read together with their liveness (last seen, address seen, latest metrics). Lists and counts are
    answered by the read model (`index`); every write sets `updated_at`, which is how the read models follow."""

    def __init__(self, db: AsyncDatabase, liveness: NodeLivenessRepository) -> None:
        self._nodes = db['nodes']
        self._tombstones = db['node_tombstones']
        self.liveness = liveness
        self.index = NodeIndex(
            ReadModel(self._nodes, node_row, PROJECTION, tombstones=self._tombstones, shown=liveness.presence.shown)
        )

    async def _changed(self) -> None:
        """This replica reads its own writes at once (the others at their next poll)."""
        await self.index.model.catch_up()

    async def _with_liveness(self, docs: list[dict[str, Any]]) -> list[Node]:
        live = await self.liveness.of([str(doc['_id']) for doc in docs])
        shown = self.liveness.presence.status
        return [_to_node(doc, live.get(i := str(doc['_id'])), shown(i, doc['status'])) for doc in docs]

    async def _one(self, doc: dict[str, Any] | None) -> Node | None:
        return (await self._with_liveness([doc]))[0] if doc else None

    async def ensure_indexes(self) -> None:
        """Unique MAC, and the indexes behind listing, counting and the offline sweep (idempotent)."""
        await self._nodes.create_index([('mac_address', ASCENDING)], unique=True, name='mac_unique')
        await self._nodes.create_index([('owner_id', ASCENDING), ('created_at', DESCENDING)], name='owner_created')
        await self._nodes.create_index([('status', ASCENDING)], name='status')
        await self._nodes.create_index([('name', ASCENDING)], name='sort_name')
        await self._nodes.create_index([('updated_at', ASCENDING)], name='changed')
        await self._tombstones.create_index('at', expireAfterSeconds=TOMBSTONE_DAYS * 86_400, name='expiry')
        await self.liveness.ensure_indexes()

    async def get(self, node_id: str) -> Node | None:
        """The node with this id, or None (also for ids that are not ObjectIds)."""
        oid = object_id(node_id)
        return await self._one(await self._nodes.find_one({'_id': oid}) if oid else None)

    async def get_by_mac(self, mac: str) -> Node | None:
        """The node with this canonical MAC, or None."""
        return await self._one(await self._nodes.find_one({'mac_address': mac}))

    @staticmethod
    def new_id() -> str:
        """An id for a node about to be created (so that its token can name it)."""
        return str(ObjectId())

    async def create(
        self, node_id: str, owner_id: str, registration: NodeRegistration, seen_ip: str | None, token: tuple[str, str]
    ) -> Node:
        """Insert a pending node with its token (hash, id); a MAC that exists already raises Conflict."""
        now = datetime.now(UTC)
        doc = {
            '_id': ObjectId(node_id),
            'owner_id': owner_id,
            'name': registration.name,
            'mac_address': registration.mac_address,
            'labels': [],
            'capacity': None,
            'status': NodeStatus.PENDING.value,
            'created_at': now,
            'updated_at': now,
            'token_hash': token[0],
            'token_id': token[1],
            **_registration_fields(registration, seen_ip),
        }
        try:
            await self._nodes.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict('A node with this MAC address is already registered') from None
        await self.liveness.create(node_id)
        self.index.model.note(doc)
        return _to_node(doc, None, doc['status'])

    async def re_register(
        self,
        node_id: str,
        registration: NodeRegistration,
        seen_ip: str | None,
        token: tuple[str, str],
        proof: dict[str, Any] | None = None,
    ) -> Node | None:
        """Refresh a node's claims and replace its token (the old one stops working), if the node still matches
        `proof` (its current token id, or an allowance to re-enroll that has not expired, which this spends)."""
        doc = await self._nodes.find_one_and_update(
            {'_id': object_id(node_id), **(proof or {})},
            {
                '$set': {
                    **_registration_fields(registration, seen_ip),
                    'token_hash': token[0],
                    'token_id': token[1],
                    'updated_at': datetime.now(UTC),
                },
                '$unset': {'reenroll_until': ''},
            },
            return_document=ReturnDocument.AFTER,
        )
        if doc is not None:
            self.index.model.note(doc)
        return await self._one(doc)

    async def allow_reenrollment(self, node_id: str, until: datetime) -> bool:
        """Let an enrollment token enroll this node's MAC again, once, until `until`."""
        result = await self._nodes.update_one({'_id': object_id(node_id)}, {'$set': {'reenroll_until': until}})
        return result.matched_count == 1

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
            {'_id': object_id(node_id)},
            {'$set': {**changes, 'updated_at': datetime.now(UTC)}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is not None:
            self.index.model.note(doc)
        return await self._one(doc)

    async def clear_token(self, node_id: str) -> None:
        """Revoke the node's token: its beats are refused until it enrolls again."""
        await self._nodes.update_one({'_id': object_id(node_id)}, {'$set': {'token_hash': None, 'token_id': None}})

    async def delete(self, node_id: str) -> bool:
        """Remove a node, leaving a tombstone for the read models; False when there was none."""
        oid = object_id(node_id)
        if oid is None:
            return False
        await self.liveness.delete(node_id)
        deleted = (await self._nodes.delete_one({'_id': oid})).deleted_count == 1
        if deleted:
            await self._tombstones.replace_one({'_id': oid}, {'_id': oid, 'at': datetime.now(UTC)}, upsert=True)
            self.index.model.note_deleted(node_id)
        return deleted

    async def matching(self, names: list[str], addresses: list[str], owner_id: str | None) -> list[Node]:
        """Nodes named like, or at one of, these cluster nodes' names and addresses (the owner's, or all): found by
        the read model, then only those read."""
        if not names and not addresses:
            return []
        await self.index.model.wait_loaded()
        ids = self.index.matching(set(names), set(addresses) - {''}, owner_id)[:1000]
        docs = [doc async for doc in self._nodes.find({'_id': {'$in': [ObjectId(i) for i in ids]}})]
        return await self._with_liveness(docs)

    async def online_changed_since(self, since: datetime) -> list[str]:
        """Nodes written since `since` (a narrow range of `updated_at`) that are online now."""
        cursor = self._nodes.find({'updated_at': {'$gt': since}, 'status': NodeStatus.ONLINE.value}, {'_id': 1})
        return [str(doc['_id']) async for doc in cursor]

    async def names(self, node_ids: list[str]) -> dict[str, str]:
        """Display names by node id (the MAC address for unnamed nodes)."""
        oids = [ObjectId(i) for i in node_ids if ObjectId.is_valid(i)]
        cursor = self._nodes.find({'_id': {'$in': oids}}, {'name': 1, 'mac_address': 1})
        return {str(doc['_id']): doc.get('name') or doc['mac_address'] async for doc in cursor}

    async def statuses(self, node_ids: list[str]) -> list[tuple[str, str, NodeStatus]]:
        """(id, owner_id, status) of these nodes, in one query per IN_CHUNK of them."""
        found = []
        for part in chunked([oid for oid in map(object_id, node_ids) if oid]):
            cursor = self._nodes.find({'_id': {'$in': part}}, {'status': 1, 'owner_id': 1})
            found += [(str(doc['_id']), doc['owner_id'], NodeStatus(doc['status'])) async for doc in cursor]
        return found

    def online_owners(self, node_ids: list[str]) -> list[tuple[str, str]]:
        """(id, owner) of those of these nodes the read model knows are stored as online."""
        rows = self.index.model
        return [(i, row.owner_id) for i in node_ids if (row := rows.get(i)) is not None and row.stored_status == ONLINE]

    def not_known_online(self, node_ids: list[str]) -> list[str]:
        """Those of these nodes the read model does not know are stored as online (the others need no look in the
        database)."""
        rows = self.index.model
        return [i for i in node_ids if (row := rows.get(i)) is None or row.stored_status != ONLINE]

    async def set_statuses(self, changes: list[tuple[str, NodeStatus, NodeStatus]], at: datetime) -> None:
        """Apply (node_id, expected, new) status changes, one write for each pair of statuses however many nodes;
        a node no longer `expected` is skipped."""
        groups: dict[tuple[NodeStatus, NodeStatus], list[ObjectId]] = {}
        for node_id, expected, status in changes:
            if (oid := object_id(node_id)) is not None:
                groups.setdefault((expected, status), []).append(oid)
        for (expected, status), oids in groups.items():
            for part in chunked(oids):
                await self._nodes.update_many(
                    {'_id': {'$in': part}, 'status': expected.value},
                    {'$set': {'status': status.value, 'status_changed_at': at, 'updated_at': datetime.now(UTC)}},
                )
        if groups:
            await self._changed()

    async def update_reported(self, beats: list[Heartbeat]) -> None:
        """Store what beats reported about the nodes themselves (agent version, position), in one round trip."""
        operations = []
        for beat in beats:
            changes: dict[str, Any] = {}
            if beat.agent_version is not None:
                changes['agent_version'] = beat.agent_version
            if beat.location is not None:
                changes['location'] = _location_doc(beat.location)
            if changes:
                changes['updated_at'] = datetime.now(UTC)
                operations.append(UpdateOne({'_id': object_id(beat.node_id)}, {'$set': changes}))
        if operations:
            await self._nodes.bulk_write(operations, ordered=False)
            await self._changed()

    async def find_page(self, query: NodeListQuery, owner_id: str | None) -> NodePage:
        """One page of nodes matching the query (only `owner_id`'s when given): chosen by the read model, then
        only that page's documents read."""
        await self.index.model.wait_loaded()
        ids, total = self.index.page(query, owner_id)
        oids = [ObjectId(i) for i in ids]
        docs = {str(doc['_id']): doc async for doc in self._nodes.find({'_id': {'$in': oids}})}
        return NodePage(items=await self._with_liveness([docs[i] for i in ids if i in docs]), total=total)

    async def counts(self, owner_id: str | None) -> NodeCounts:
        """How many nodes, and how many in each status."""
        await self.index.model.wait_loaded()
        return self.index.counts(owner_id)

    async def map_markers(self, owner_id: str | None) -> list[MapMarker]:
        """The map's markers (each node, or the nodes of one status in one cell of a grid), for every node."""
        await self.index.model.wait_loaded()
        return self.index.map_markers(owner_id)
