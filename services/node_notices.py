"""Which nodes a webhook should hear about, each read as a narrow range with a cursor of the webhook's own:
nodes whose silence crossed the webhook's time since its last look (liveness by last beat), and nodes written since
its last look that are online again (nodes by `updated_at`). Nothing reads every offline or every told node."""

from datetime import datetime, timedelta

from models.notifications import WebhookRecord
from repositories.node_liveness import NodeLivenessRepository
from repositories.nodes import NodeRepository
from repositories.webhooks import WebhookRepository

OVERLAP = timedelta(seconds=5)  # a status written just before the last look may be read only after it
JUST_BEFORE = timedelta(microseconds=1)


class NodeNotices:
    def __init__(self, webhooks: WebhookRepository, liveness: NodeLivenessRepository, nodes: NodeRepository) -> None:
        self._webhooks = webhooks
        self._liveness = liveness
        self._nodes = nodes

    async def newly_offline(self, webhook: WebhookRecord, now: datetime) -> dict[str, datetime]:
        """Nodes silent for longer than the webhook's time and not told yet, with their last beat. The first look
        covers every node offline that long; later ones only the beats that crossed the time since. A node
        silent that long but not marked offline yet holds the cursor back until the sweep has come."""
        cursor = f'offline|{webhook.id}'
        after = await self._webhooks.checkpoint(cursor)
        before = now - timedelta(seconds=webhook.offline_after_seconds)
        if after is not None and before <= after:
            return {}
        silent = await self._liveness.offline_between(after, before)
        not_swept = self._oldest_online_beat(after, before)
        new = await self._webhooks.tell_offline(webhook.id, list(silent))
        await self._webhooks.advance_checkpoint(cursor, min(before, not_swept - JUST_BEFORE) if not_swept else before)
        return {node_id: silent[node_id] for node_id in new}

    def _oldest_online_beat(self, after: datetime | None, before: datetime) -> datetime | None:
        """The oldest last beat in (`after`, `before`] of a node still online: the sweep has not come to it yet."""
        beats = self._liveness.tail.seen_between(after, before)
        return min((beats[node_id] for node_id, _ in self._nodes.online_owners(list(beats))), default=None)

    async def back_online(self, webhook: WebhookRecord, now: datetime) -> list[str]:
        """Nodes the webhook was told are offline and that are online again since its last look."""
        cursor = f'online|{webhook.id}'
        since = await self._webhooks.checkpoint(cursor) or webhook.created_at
        changed = await self._nodes.online_changed_since(since - OVERLAP)
        beating = await self._liveness.online_among(changed) if changed else []
        back = await self._webhooks.tell_online(webhook.id, beating) if beating else []
        await self._webhooks.advance_checkpoint(cursor, now)
        return back
