"""Fleet nodes that are also Kubernetes nodes (same name, or an address the cluster lists for the node): both
signals side by side, the heartbeat and the kubelet's Ready condition, and whether they disagree."""

from dataclasses import dataclass

from models.accounts import User
from models.cluster import ClusterNode
from models.fleet import Node, NodeStatus
from repositories.nodes import NodeRepository
from services.cluster.reads import ClusterReads


@dataclass(frozen=True)
class PairedNode:
    node_id: str
    node_name: str
    cluster_node: str
    heartbeat_fresh: bool
    kubelet_ready: bool

    @property
    def disagreement(self) -> str | None:
        if self.heartbeat_fresh and not self.kubelet_ready:
            return f'{self.node_name}: heartbeats arrive, but the kubelet of {self.cluster_node} is not Ready'
        if self.kubelet_ready and not self.heartbeat_fresh:
            return f'{self.node_name}: no heartbeat, yet the kubelet of {self.cluster_node} reports Ready'
        return None


def _pair(node: Node, cluster_nodes: list[ClusterNode]) -> PairedNode | None:
    for cluster_node in cluster_nodes:
        addresses = set(cluster_node.addresses)
        if node.name == cluster_node.name or node.public_ip in addresses or (node.seen_ip or '') in addresses:
            return PairedNode(
                node.id,
                node.name or node.mac_address,
                cluster_node.name,
                node.status == NodeStatus.ONLINE,
                cluster_node.ready,
            )
    return None


class FleetClusterPairing:
    def __init__(self, nodes: NodeRepository, cluster: ClusterReads) -> None:
        self._nodes = nodes
        self._cluster = cluster

    async def _cluster_nodes(self) -> list[ClusterNode]:
        return await self._cluster.nodes()

    async def pairs(self, user: User) -> list[PairedNode]:
        """Every fleet node the user may see that is also a cluster node."""
        cluster_nodes = await self._cluster_nodes()
        names = [n.name for n in cluster_nodes]
        addresses = [a for n in cluster_nodes for a in n.addresses]
        found = await self._nodes.matching(names, addresses, user.readable_owner)
        return [pair for node in found if (pair := _pair(node, cluster_nodes)) is not None]

    async def of(self, node: Node) -> PairedNode | None:
        """The pairing of one fleet node (already authorized by the caller), if it is a cluster node."""
        return _pair(node, await self._cluster_nodes())
