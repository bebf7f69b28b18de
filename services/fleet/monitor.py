"""Offline detection: nodes silent for longer than the limit go offline, after a grace period if Espaze was down."""

from collections.abc import Callable
from datetime import datetime, timedelta

from models.fleet import NodeEvent, NodeStatus
from repositories.instance import InstanceRepository
from repositories.node_activity import NodeActivityRepository
from repositories.node_liveness import NodeLivenessRepository
from repositories.nodes import NodeRepository
from services.infrastructure.leases import fence


class FleetMonitor:
    def __init__(
        self,
        *,
        nodes: NodeRepository,
        liveness: NodeLivenessRepository,
        activity: NodeActivityRepository,
        instance: InstanceRepository,
        offline_after: timedelta,
        sweep_interval: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self._nodes = nodes
        self._liveness = liveness
        self._activity = activity
        self._instance = instance
        self.offline_after = offline_after
        self._sweep_interval = sweep_interval
        self._clock = clock

    @property
    def downtime_threshold(self) -> timedelta:
        """A pause between sweeps this long means Espaze was down, not merely busy: nodes then get a grace period."""
        return max(self._sweep_interval * 3, self.offline_after / 3)

    async def mark_silent_nodes_offline(self) -> int:
        """Mark online nodes unseen for `offline_after` offline; returns how many changed.

        When no sweep ran for a while (Espaze was down), nodes first get a full `offline_after` to beat again.
        """
        now = self._clock()
        grace_until = await self._instance.offline_sweep_checkpoint(
            now, max_gap=self.downtime_threshold, grace=self.offline_after
        )
        if now < grace_until:
            return 0
        silent = await self._liveness.silent_online(now - self.offline_after)
        online = self._nodes.online_owners(silent)  # from the read model: no read of every silent node
        await fence()  # a holder paused since it read the liveness must not mark nodes that beat meanwhile
        await self._nodes.set_statuses([(node_id, NodeStatus.ONLINE, NodeStatus.OFFLINE) for node_id, _ in online], now)
        await self._liveness.set_offline(silent)
        reason = f'no heartbeat for {int(self.offline_after.total_seconds())} s'
        await self._activity.record_events(
            [
                (owner, NodeEvent(node_id, NodeStatus.ONLINE, NodeStatus.OFFLINE, now, reason))
                for node_id, owner in online
            ]
        )
        return len(online)
