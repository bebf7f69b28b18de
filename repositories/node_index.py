"""The fleet's read model: what lists, counts and the map need of every node, in memory, following `nodes`."""

from typing import Any

from models.fleet import NodeCounts, NodeListQuery, NodeStatus
from models.fleet_map import MapMarker, map_markers
from repositories.read_model import ReadModel, Row, ViewKey

SORTABLE = ('name', 'status', 'mac_address', 'public_ip', 'created_at')
MARKER_SETS_KEPT = 256  # one per owner looking at the map, and the admins' one
PROJECTION = {field: 1 for field in (*SORTABLE, 'owner_id', 'labels', 'location', 'seen_ip')}


def label_tag(key: str, value: str) -> str:
    return f'{key}\0{value}'


def node_row(doc: dict[str, Any]) -> Row:
    location = doc.get('location') or {}
    name = doc.get('name') or ''
    return Row(
        id=str(doc['_id']),
        owner_id=doc['owner_id'],
        status=doc['status'],
        sort_keys={
            'name': name,
            'status': doc['status'],
            'mac_address': doc['mac_address'],
            'public_ip': doc.get('public_ip') or '',
            'created_at': doc['created_at'],
        },
        text='\n'.join((name, doc['mac_address'], doc.get('public_ip') or '')).lower(),
        tags=frozenset(label_tag(pair['k'], pair['v']) for pair in doc.get('labels') or ()),
        extra=(name, location.get('latitude'), location.get('longitude'), doc.get('seen_ip') or ''),
        stored_status=doc['status'],
    )


class NodeIndex:
    def __init__(self, model: ReadModel) -> None:
        self.model = model
        self._markers: dict[str | None, tuple[int, list[MapMarker]]] = {}

    def page(self, query: NodeListQuery, owner_id: str | None) -> tuple[list[str], int]:
        """The ids of one page of nodes matching the query, and how many match."""
        key = ViewKey(
            owner_id,
            query.status.value if query.status else None,
            label_tag(*query.label) if query.label else None,
            query.sort if query.sort in SORTABLE else 'created_at',
        )
        offset = (query.page - 1) * query.page_size
        return self.model.page(key, (query.text or '').strip() or None, query.descending, offset, query.page_size)

    def counts(self, owner_id: str | None) -> NodeCounts:
        by_status = self.model.counts(owner_id)
        return NodeCounts(
            total=sum(by_status.values()),
            online=by_status.get(NodeStatus.ONLINE.value, 0),
            offline=by_status.get(NodeStatus.OFFLINE.value, 0),
            pending=by_status.get(NodeStatus.PENDING.value, 0),
        )

    def map_markers(self, owner_id: str | None) -> list[MapMarker]:
        """The map's markers for these nodes, worked out again only when a node changed."""
        kept = self._markers.get(owner_id)
        if kept is not None and kept[0] == self.model.version:
            return kept[1]
        positioned = []
        for row in self.model.rows(owner_id):
            name, latitude, longitude, _ = row.extra
            if latitude is not None and longitude is not None:
                positioned.append((row.id, name, row.status, latitude, longitude))
        markers = map_markers(positioned)
        if len(self._markers) >= MARKER_SETS_KEPT:
            self._markers.clear()
        self._markers[owner_id] = (self.model.version, markers)
        return markers

    def matching(self, names: set[str], addresses: set[str], owner_id: str | None) -> list[str]:
        """Ids of the nodes named like, or at one of, these cluster nodes' names and addresses."""
        found = []
        for row in self.model.rows(owner_id):
            name, _, _, seen_ip = row.extra
            if name in names or row.sort_keys['public_ip'] in addresses or seen_ip in addresses:
                found.append(row.id)
        return found
