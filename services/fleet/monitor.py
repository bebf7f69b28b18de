"""Offline detection: nodes silent for longer than the limit go offline, after a grace period if Espaze was down."""

import asyncio
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

from models.fleet import NodeEvent, NodeStatus
from repositories.instance import InstanceRepository
from repositories.node_activity import NodeActivityRepository
from repositories.node_liveness import NodeLivenessRepository
from repositories.nodes import NodeRepository
from services.infrastructure.leases import fence

MARKED_TOGETHER = 500  # nodes marked offline in one round of writes (each node costs about 1.5 ms of the embedded
# database: its status, its liveness, its event)
SWEEP_BUDGET_SECONDS = 8.0  # a sweep starts no new round after this (the job is stopped at half its lease, 15 s)


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
        self.liveness = liveness
        # online nodes the log had no beat of when this replica first swept, oldest first: a sweep takes from it only
        # those whose last beat crossed the cutoff (it walked all of them each time: 60-130 ms at 48,000 online)
        self._unseen_online: deque[tuple[datetime, str]] = deque()
        self._due: dict[str, datetime] = {}  # taken from it, silent past the cutoff, until marked offline
        self._looked_at_online_nodes = False
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
        cutoff = now - self.offline_after
        silent = list((await self._silent_nodes(cutoff)).items())
        started, marked = time.monotonic(), 0
        for start in range(0, len(silent), MARKED_TOGETHER):
            if time.monotonic() - started > SWEEP_BUDGET_SECONDS:
                break  # the next sweep goes on from here
            # a round is never cut in half by the job's time limit: nodes offline with no event otherwise
            round_ = dict(silent[start : start + MARKED_TOGETHER])
            marked += await asyncio.shield(self._mark_offline(round_, now, cutoff))
        return marked

    async def _mark_offline(self, silent: dict[str, datetime], now: datetime, cutoff: datetime) -> int:
        """Mark these nodes offline, those online and those still pending that beat (they were shown online):
        statuses come from the read model for those it knows are online, and from the database for the others
        (it may not have seen them come online yet). A node that beat meanwhile is left alone."""
        owners = {node_id: (owner, NodeStatus.ONLINE) for node_id, owner in self._nodes.online_owners(list(silent))}
        unsure = [node_id for node_id in silent if node_id not in owners]
        owners |= {i: (owner, status) for i, owner, status in await self._nodes.statuses(unsure)}
        await fence()  # a holder paused since it read the liveness must not mark nodes that beat meanwhile
        tail = self.liveness.tail
        silent = {i: at for i, at in silent.items() if (latest := tail.latest(i)) is None or latest < cutoff}
        changes = [
            (node_id, owner, status)
            for node_id, (owner, status) in owners.items()
            if node_id in silent and status != NodeStatus.OFFLINE
        ]
        await self._nodes.set_statuses([(node_id, status, NodeStatus.OFFLINE) for node_id, _, status in changes], now)
        await self.liveness.set_offline(silent)
        for node_id in silent:
            self._due.pop(node_id, None)
        reason = f'no heartbeat for {int(self.offline_after.total_seconds())} s'
        await self._activity.record_events(
            [(owner, NodeEvent(node_id, status, NodeStatus.OFFLINE, now, reason)) for node_id, owner, status in changes]
        )
        return len(changes)

    async def _silent_nodes(self, cutoff: datetime) -> dict[str, datetime]:
        """Nodes last seen before `cutoff`, oldest first, with their last beat: from the beats this replica
        follows, and the nodes marked online when this replica first swept that have not beat since."""
        tail = self.liveness.tail
        await tail.follow()
        if not self._looked_at_online_nodes:
            online = await self.liveness.online_nodes()
            self._unseen_online = deque(sorted((seen, node_id) for node_id, seen in online.items()))
            self._looked_at_online_nodes = True
        while self._unseen_online and self._unseen_online[0][0] < cutoff:
            seen, node_id = self._unseen_online.popleft()
            self._due[node_id] = seen
        self._due = {node_id: seen for node_id, seen in self._due.items() if tail.latest(node_id) is None}
        silent = self._due | tail.silent_since(cutoff)
        return dict(sorted(silent.items(), key=lambda item: item[1]))
