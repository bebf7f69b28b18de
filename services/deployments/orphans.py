"""The orphan reconciler: cluster objects labelled by Espaze for a deployment that has no live record.

Espaze writes a deployment's record before it makes any object, so objects without a record, or whose record
says deleted, are leftovers: of a delete that raced with a rollout step, of a crash, or of a database restored
from an older backup. They are removed once older than a grace period; objects of live records are adopted as
they are (the rollout engine carries on with them and, its steps being idempotent, makes nothing twice).
"""

import logging
from datetime import UTC, datetime, timedelta

from models.deployments import Status
from repositories.deployments import DeploymentRepository
from services.cluster.service import ClusterService
from services.infrastructure.leases import fence

log = logging.getLogger(__name__)


class OrphanReconciler:
    def __init__(self, deployments: DeploymentRepository, cluster: ClusterService, grace: timedelta) -> None:
        self._deployments = deployments
        self._cluster = cluster
        self._grace = grace

    async def sweep(self) -> int:
        """Remove the objects of deployments without a live record; returns how many were removed."""
        found = await self._cluster.labelled_objects()  # listed before the records are read: no race with a create
        if not found:
            return 0
        statuses = await self._deployments.statuses_of({obj.deployment_id for obj in found})
        await fence()
        old_enough = datetime.now(UTC) - self._grace
        removed = 0
        for obj in found:
            if statuses.get(obj.deployment_id, Status.DELETED) != Status.DELETED or obj.created_at > old_enough:
                continue
            if await self._cluster.remove(obj):
                removed += 1
                log.info(
                    'removed %s %s/%s: deployment %s has no live record',
                    obj.kind,
                    obj.namespace,
                    obj.name,
                    obj.deployment_id,
                )
        return removed
