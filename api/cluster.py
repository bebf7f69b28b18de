"""The cluster as Espaze sees it: its status and its nodes."""

from fastapi import APIRouter

from api.deps import CurrentUser, ServicesDep
from api.schemas import CamelModel

router = APIRouter(prefix='/api/cluster', tags=['cluster'])


class ClusterStatusOut(CamelModel):
    reachable: bool
    sandbox: bool
    version: str | None
    nodes_ready: int
    nodes_total: int
    metrics_available: bool
    problem: str | None


class ClusterNodeOut(CamelModel):
    name: str
    ready: bool
    labels: dict[str, str]
    capacity_cpu: float
    capacity_memory: int
    allocatable_cpu: float
    allocatable_memory: int


@router.get('/status')
async def cluster_status(user: CurrentUser, services: ServicesDep) -> ClusterStatusOut:
    """Server version, nodes ready out of total, whether metrics are available, and whether it is the sandbox."""
    return ClusterStatusOut.of(await services.cluster.reads.status())


@router.get('/nodes')
async def cluster_nodes(user: CurrentUser, services: ServicesDep) -> list[ClusterNodeOut]:
    """The cluster's nodes with capacity, allocatable and labels (for placement)."""
    return [ClusterNodeOut.of(node) for node in await services.cluster.reads.nodes()]
