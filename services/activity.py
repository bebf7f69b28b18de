"""The Dashboard's view of what happened and what needs a person: a timeline of deployments' transitions and
nodes going offline and back, and a list of problems, each with its reason and where to look."""

from datetime import UTC, datetime, timedelta

from models.accounts import User
from models.audit import ActivityItem, AttentionItem
from models.deployments import Status
from models.errors import EspazeError
from models.fleet import NodeListQuery, NodeStatus
from repositories.deployments import DeploymentRepository
from repositories.node_activity import NodeActivityRepository
from repositories.nodes import NodeRepository
from services.fleet.cluster_pairing import FleetClusterPairing
from services.fleet.nodes import NodeService

TIMELINE_DAYS = 7
SHOWN = {Status.BUILDING, Status.RUNNING, Status.FAILED, Status.STOPPED, Status.DELETED}


class ActivityService:
    def __init__(
        self,
        *,
        deployments: DeploymentRepository,
        node_activity: NodeActivityRepository,
        nodes: NodeRepository,
        node_service: NodeService,
        pairing: FleetClusterPairing,
    ) -> None:
        self._deployments = deployments
        self._node_activity = node_activity
        self._nodes = nodes
        self._node_service = node_service
        self._pairing = pairing

    @staticmethod
    def _owner(user: User) -> str | None:
        return user.readable_owner

    async def timeline(self, user: User, limit: int = 20) -> list[ActivityItem]:
        """Recent deploys, failures, rollbacks, stops and deletions, and nodes going offline and coming back."""
        since = datetime.now(UTC) - timedelta(days=TIMELINE_DAYS)
        items = []
        for d in await self._deployments.recently_changed(self._owner(user), since):
            for change in d.history:
                rollback = change.reason.lower().startswith('rollback')
                if change.at < since or (change.status not in SHOWN and not rollback):
                    continue
                level = {Status.RUNNING: 'good', Status.FAILED: 'bad'}.get(change.status, 'info')
                text = f'{d.name} {change.status.value}: {change.reason}'
                items.append(ActivityItem(change.at, 'deployment', text, f'/deployments/{d.id}', level))
        events = await self._node_activity.recent_events(self._owner(user), since)
        names = await self._nodes.names(list({e.node_id for e in events}))
        for event in events:
            if event.to_status not in (NodeStatus.ONLINE, NodeStatus.OFFLINE) or event.node_id not in names:
                continue
            back = event.to_status == NodeStatus.ONLINE
            verb = 'came back online' if event.from_status == NodeStatus.OFFLINE else 'came online'
            text = f'Node {names[event.node_id]} {verb if back else "went offline"}'
            items.append(ActivityItem(event.at, 'node', text, f'/nodes/{event.node_id}', 'good' if back else 'bad'))
        return sorted(items, key=lambda item: item.at, reverse=True)[:limit]

    async def attention(self, user: User) -> list[AttentionItem]:
        """Failed deployments, offline nodes, a cluster that cannot be reached, and disagreeing node signals."""
        items = []
        failed = await self._deployments.page(self._owner(user), Status.FAILED, None, 1, 10)
        for d in failed.items:
            items.append(AttentionItem(f'{d.name} failed: {d.status_reason}', f'/deployments/{d.id}'))
        offline = await self._node_service.find(user, NodeListQuery(status=NodeStatus.OFFLINE, page_size=10))
        for node in offline.items:
            seen = f'last heartbeat {node.last_seen_at:%Y-%m-%d %H:%M} UTC' if node.last_seen_at else 'never seen'
            items.append(
                AttentionItem(f'Node {node.name or node.mac_address} is offline ({seen})', f'/nodes/{node.id}')
            )
        if offline.total > len(offline.items):
            items.append(AttentionItem(f'{offline.total - len(offline.items)} more nodes are offline', '/nodes'))
        try:
            pairs = await self._pairing.pairs(user)
        except EspazeError as error:
            return [*items, AttentionItem(f'The cluster cannot be reached: {error}', '/observatory')]
        items += [AttentionItem(p.disagreement, f'/nodes/{p.node_id}') for p in pairs if p.disagreement]
        return items
