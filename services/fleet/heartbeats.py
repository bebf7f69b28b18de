"""Heartbeats: checked against the node's token, gathered in memory, written in one bulk write a second."""

import asyncio
import itertools
import logging
import time
from collections.abc import Callable
from datetime import datetime

from models.errors import Forbidden, RateLimited, Unauthorized
from models.fleet import GeoLocation, Heartbeat, NodeEvent, NodeMetrics, NodeStatus
from repositories.node_activity import NodeActivityRepository
from repositories.node_liveness import NodeLivenessRepository
from repositories.nodes import NodeRepository
from services.fleet.heartbeat_allowance import HeartbeatAllowance
from services.fleet.node_rules import checked_position
from services.fleet.node_tokens import NodeTokenGuard
from services.infrastructure.telemetry import Telemetry
from services.tokens import TokenCodec

log = logging.getLogger(__name__)
VERIFIED_TOKENS_KEPT = 100_000
ADDRESSES_KEPT = 100_000  # beyond it, forgotten: each address is written once more
ADDRESSES_PER_FLUSH = 500  # addresses that changed, written in one flush (the others at the next ones)
TRANSITIONS_PER_FLUSH = 500  # a node coming online is three writes (its status, its liveness, its event: about
# 1.5 ms on the embedded database); a fleet coming online at once is turned online over several flushes, while its
# beats are logged at every flush all the same
LOGGED_PER_FLUSH = 100_000  # one log document (12 bytes a node)
LOOKED_UP_PER_FLUSH = 2000  # nodes not known online whose status is read (the others at a later beat)
POINTS_PER_WRITE = 1000  # each bulk write is encoded on the event loop: small ones keep the beats answered


class HeartbeatService:
    def __init__(
        self,
        *,
        nodes: NodeRepository,
        liveness: NodeLivenessRepository,
        activity: NodeActivityRepository,
        tokens: TokenCodec,
        token_guard: NodeTokenGuard,
        allowance: HeartbeatAllowance,
        interval_seconds: int,
        clock: Callable[[], datetime],
        telemetry: Telemetry,
    ) -> None:
        self._nodes = nodes
        self._liveness = liveness
        self._activity = activity
        self._tokens = tokens
        self.token_guard = token_guard
        self.allowance = allowance
        self._telemetry = telemetry
        self.interval_seconds = interval_seconds
        self._clock = clock
        self._pending: dict[str, Heartbeat] = {}
        self._minute_stored: dict[str, datetime] = {}
        self._reported: dict[str, tuple[str | None, GeoLocation | None]] = {}
        self._addresses: dict[str, str | None] = {}  # the address each node was last stored as seen from
        self._moved: dict[str, str | None] = {}  # addresses that changed, to be stored
        self._flush_lock = asyncio.Lock()
        self._verified: dict[str, dict] = {}
        self.flushes = 0
        self._accepted = 0  # beats accepted since the last flush's tally
        self._arrived: dict[str, datetime] = {}  # nodes that beat, not held as online: their status is read next
        self._coming_online: dict[str, tuple[str, NodeStatus, datetime]] = {}  # owner, status, first beat seen
        self._turn_lock = asyncio.Lock()
        self._turning: asyncio.Task | None = None

    async def beat(
        self,
        node_id: str,
        node_token: str,
        seen_ip: str | None,
        metrics: NodeMetrics | None = None,
        location: GeoLocation | None = None,
        agent_version: str | None = None,
    ) -> datetime:
        """Accept one beat from the node its token names; returns the server's receive time."""
        self.check(node_id, node_token)
        if location is not None:
            checked_position(location.latitude, location.longitude, location.accuracy_meters)
        try:
            self.allowance.take(node_id)
        except RateLimited:
            self._telemetry.heartbeats_refused.inc()
            raise
        self._telemetry.heartbeats.inc()
        self._accepted += 1
        received_at = self._clock()
        self._liveness.tail.note(node_id, received_at)  # this replica shows it online at once, and never sweeps it
        self._pending[node_id] = Heartbeat(node_id, received_at, seen_ip, metrics, location, agent_version)
        return received_at

    def check(self, node_id: str, node_token: str) -> None:
        """Refuse a token that is not this node's, or was revoked (no database read)."""
        claims = self._verified_claims(node_token)
        if claims['sub'] != node_id:
            raise Forbidden('This node token belongs to another node')
        if self.token_guard.is_revoked(claims['jti']):
            raise Unauthorized('Node token revoked: enroll the node again')

    def _verified_claims(self, node_token: str) -> dict:
        """The token's claims, verified once per token: a node presents the same token every beat."""
        claims = self._verified.get(node_token)
        if claims is None or claims['exp'] <= time.time():
            claims = self._tokens.decode(node_token, 'node')
            if len(self._verified) >= VERIFIED_TOKENS_KEPT:
                self._verified.clear()
            self._verified[node_token] = claims
        return claims

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def flush(self) -> int:
        """Log the beats gathered since the last flush, then turn online a batch of the nodes among them that were
        not; returns how many beats (what the tests and the shutdown call)."""
        written = await self.log_beats()
        await self.turn_online()
        return written

    async def flush_job(self) -> int:
        """The scheduled flush: turning nodes online (three writes each) goes on in the background, so that a fleet
        coming online at once never holds back the log of its beats."""
        written = await self.log_beats()
        if self._turning is None or self._turning.done():
            self._turning = asyncio.create_task(self._turn_online_logged())
        return written

    async def log_beats(self) -> int:
        """Log the beats gathered since the last flush in one document, then their counts; returns how many."""
        async with self._flush_lock:
            written = await self._flush_beats()
            await self._store_addresses()
            await self.allowance.flush()
            return written

    async def turn_online(self) -> None:
        async with self._turn_lock:
            await self._find_coming_online()
            await self._turn_online()

    async def _turn_online_logged(self) -> None:
        try:
            await self.turn_online()
        except Exception as error:  # the next flush tries again
            log.warning('turning nodes online failed: %s: %s', type(error).__name__, error)

    async def _flush_beats(self) -> int:
        beats = list(itertools.islice(self._pending.values(), LOGGED_PER_FLUSH))
        for beat in beats:
            del self._pending[beat.node_id]
        if not beats:
            return 0
        try:
            await self._liveness.record(beats)
        except Exception:
            for beat in beats:  # keep them for the next flush unless newer beats arrived meanwhile
                self._pending.setdefault(beat.node_id, beat)
            raise
        self._moved.update((b.node_id, b.seen_ip) for b in beats if self._addresses.get(b.node_id, '') != b.seen_ip)
        first_seen = {beat.node_id: beat.received_at for beat in beats}
        for node_id in self._nodes.not_known_online(list(first_seen)):  # from memory: most nodes are online
            if node_id not in self._coming_online:
                self._arrived.setdefault(node_id, first_seen[node_id])
        accepted, self._accepted = self._accepted, 0
        await self._liveness.tally(beats[-1].received_at, accepted, beats)
        await self._store_reported(beats)
        await self._store_minute_points(beats)
        self.flushes += 1
        self._telemetry.flush_batch.observe(len(beats))
        return len(beats)

    async def _store_addresses(self) -> None:
        """Write a bounded batch of the addresses nodes beat from that changed (every node's, when a fleet starts:
        60,000 at once made each flush outlast its timeout and start again, larger, for ever); a failure leaves
        them for the next flush and never holds back the beats."""
        taken = dict(itertools.islice(self._moved.items(), ADDRESSES_PER_FLUSH))
        if not taken:
            return
        for node_id in taken:
            del self._moved[node_id]
        try:
            await self._liveness.store_addresses(taken)
        except Exception as error:
            for node_id, address in taken.items():
                self._moved.setdefault(node_id, address)
            log.warning('storing the addresses nodes beat from failed: %s', type(error).__name__)
            return
        if len(self._addresses) >= ADDRESSES_KEPT:
            self._addresses.clear()
        self._addresses.update(taken)

    async def _find_coming_online(self) -> None:
        """Queue those of the nodes that beat, not held as online by the read model, that are pending or offline."""
        taken = list(itertools.islice(self._arrived.items(), LOOKED_UP_PER_FLUSH))
        for node_id, _ in taken:
            del self._arrived[node_id]
        first_seen = dict(taken)
        for node_id, owner, status in await self._nodes.statuses(list(first_seen)):
            if status != NodeStatus.ONLINE:
                self._coming_online[node_id] = (owner, status, first_seen[node_id])

    async def _turn_online(self) -> None:
        """Turn a bounded batch of the queued nodes online; one the sweep has given up on meanwhile is dropped."""
        taken = list(itertools.islice(self._coming_online.items(), TRANSITIONS_PER_FLUSH))
        for node_id, _ in taken:
            del self._coming_online[node_id]
        batch = [(node_id, *queued) for node_id, queued in taken if self._liveness.tail.latest(node_id) is not None]
        if not batch:
            return
        at = min(seen for _, _, _, seen in batch)
        await self._nodes.set_statuses([(node_id, status, NodeStatus.ONLINE) for node_id, _, status, _ in batch], at)
        await self._liveness.set_online([node_id for node_id, _, _, _ in batch], at)
        await self._activity.record_events(
            [
                (owner, NodeEvent(node_id, status, NodeStatus.ONLINE, seen, 'heartbeat received'))
                for node_id, owner, status, seen in batch
            ]
        )

    async def _store_reported(self, beats: list[Heartbeat]) -> None:
        changed = []
        for beat in beats:
            reported = (beat.agent_version, beat.location)
            if reported != (None, None) and self._reported.get(beat.node_id) != reported:
                self._reported[beat.node_id] = reported
                changed.append(beat)
        await self._nodes.update_reported(changed)

    async def _store_minute_points(self, beats: list[Heartbeat]) -> None:
        points = []
        for beat in beats:
            if beat.metrics is None:
                continue
            minute = beat.received_at.replace(second=0, microsecond=0)
            if self._minute_stored.get(beat.node_id) != minute:
                self._minute_stored[beat.node_id] = minute
                points.append((beat.node_id, minute, beat.metrics))
        for start in range(0, len(points), POINTS_PER_WRITE):
            await self._activity.add_minute_points(points[start : start + POINTS_PER_WRITE])
