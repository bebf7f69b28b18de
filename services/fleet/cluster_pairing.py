"""Fleet nodes that are also Kubernetes nodes (same name, or an address the cluster lists for the node): both
signals side by side, the heartbeat and the kubelet's Ready condition, and whether they disagree."""

from models.accounts import User
from models.cluster import ClusterNode
from models.fleet import Node, NodeStatus, PairedNode
from repositories.nodes import NodeRepository
from services.cluster.reads import ClusterReads


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
