"""Outgoing webhooks, configured by admins: a node offline longer than a set time and back again (never repeated
while it flaps under that time), and a deployment that failed or reached Running. Bodies are a generic JSON
object or Slack's `{"text": ...}`. URLs are sealed (a Slack URL is a credential) and shown only as scheme and host.
"""

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx

from models.accounts import User
from models.deployments import Status
from models.errors import NotFound, ValidationFailed
from models.notifications import WebhookRecord
from repositories.deployments import DeploymentRepository
from repositories.node_liveness import NodeLivenessRepository
from repositories.nodes import NodeRepository
from repositories.webhooks import WebhookRepository
from services.infrastructure.leases import fence
from services.infrastructure.secret_box import SecretBox
from services.node_notices import NodeNotices
from services.webhook_addresses import AddressRefused, Unresolvable, checked_address

log = logging.getLogger(__name__)
EVENTS = ('node.offline', 'node.online', 'deployment.failed', 'deployment.running')
KINDS = ('generic', 'slack')
DELIVERY_TIMEOUT = 5.0
SETTLE = timedelta(seconds=2)  # transitions younger than this are read on the next tick
GROUPED_ABOVE = 10  # more nodes than this in one tick are told in one message, not one message each
LISTED_IN_GROUP = 100
HOST = re.compile(r'[a-z0-9._-]+|[0-9a-f:.]+')  # a name (an IDN as punycode), an IPv4 or an IPv6 address


def shown(url: str) -> str:
    parts = urlsplit(url)
    return f'{parts.scheme}://{parts.hostname}/…'


def checked_url(url: str) -> httpx.URL:
    """The URL as httpx will send it; ValidationFailed for anything else (including what httpx can't parse)."""
    url = url.strip()
    try:
        parsed = httpx.URL(url)
        parts = urlsplit(url)
    except (httpx.InvalidURL, ValueError):
        raise ValidationFailed('url', 'is not a URL') from None
    if parsed.scheme not in ('http', 'https') or not parsed.host or len(url) > 2048 or parts.username:
        raise ValidationFailed('url', 'must be an http:// or https:// address without a user name')
    if not HOST.fullmatch(parsed.raw_host.decode('ascii', 'replace')):
        raise ValidationFailed('url', 'has a host name that is not one')
    return parsed


async def _aimed(url: httpx.URL, allow_private: bool) -> tuple[httpx.URL, dict, dict]:
    """The URL aimed at the address checked for its host, with the Host header and TLS name of the original."""
    address = await checked_address(url.host, url.port or (443 if url.scheme == 'https' else 80), allow_private)
    headers = {'Host': url.netloc.decode('ascii')}
    return url.copy_with(host=str(address)), headers, {'sni_hostname': url.host} if url.scheme == 'https' else {}


class NotificationService:
    def __init__(
        self,
        *,
        webhooks: WebhookRepository,
        box: SecretBox,
        deployments: DeploymentRepository,
        nodes: NodeRepository,
        liveness: NodeLivenessRepository,
        public_url: str,
        allow_private: bool = False,
        client: Callable[[], httpx.AsyncClient] = lambda: httpx.AsyncClient(timeout=DELIVERY_TIMEOUT),
    ) -> None:
        self._allow_private = allow_private
        self._webhooks = webhooks
        self._box = box
        self._deployments = deployments
        self._nodes = nodes
        self._notices = NodeNotices(webhooks, liveness, nodes)
        self._public_url = public_url.rstrip('/')
        self._client = client
        self.deliveries = 0

    @staticmethod
    def _admin(user: User) -> None:
        if not user.is_admin:
            raise NotFound('No such page')

    async def ensure_indexes(self) -> None:
        await self._webhooks.ensure_indexes()

    async def webhooks(self, user: User) -> list[WebhookRecord]:
        self._admin(user)
        return await self._webhooks.all()

    async def create(self, user: User, url: str, kind: str, events: list[str], offline_after: int) -> WebhookRecord:
        self._admin(user)
        parsed = checked_url(url)
        try:
            await _aimed(parsed, self._allow_private)
        except Unresolvable:
            pass  # nothing to check yet: every send resolves and checks it again
        except AddressRefused as refused:
            raise ValidationFailed('url', f'cannot be used for webhooks: {refused}') from None
        url = str(parsed)
        if kind not in KINDS:
            raise ValidationFailed('kind', f'must be one of {", ".join(KINDS)}')
        if not events or any(e not in EVENTS for e in events):
            raise ValidationFailed('events', f'must be among {", ".join(EVENTS)}')
        if not 30 <= offline_after <= 7 * 86_400:
            raise ValidationFailed('offlineAfterSeconds', 'must be between 30 s and 7 days')
        return await self._webhooks.create(
            sealed_url=self._box.seal(url),
            shown_url=shown(url),
            kind=kind,
            events=sorted(set(events)),
            offline_after_seconds=offline_after,
            created_by=user.email,
            created_at=datetime.now(UTC),
        )

    async def delete(self, user: User, webhook_id: str) -> None:
        self._admin(user)
        if not await self._webhooks.delete(webhook_id):
            raise NotFound('No such webhook')

    async def test(self, user: User, webhook_id: str) -> str:
        """Send a test message now; returns what happened ('delivered (HTTP 200)' or why not)."""
        self._admin(user)
        webhook = await self._webhooks.get(webhook_id)
        if webhook is None:
            raise NotFound('No such webhook')
        return await self._send(webhook, 'test', f'Test message from Espaze, sent by {user.email}', {})

    def _body(self, webhook: WebhookRecord, event: str, text: str, subject: dict) -> dict:
        if webhook.kind == 'slack':
            link = subject.get('url')
            return {'text': f'{text} <{link}|open in Espaze>' if link else text}
        return {'event': event, 'at': datetime.now(UTC).isoformat(), 'text': text, **subject}

    async def _send(self, webhook: WebhookRecord, event: str, text: str, subject: dict) -> str:
        await fence()  # a process that lost the notifications lease sends nothing more
        try:
            url, headers, extensions = await _aimed(
                checked_url(self._box.open(webhook.sealed_url)[0]), self._allow_private
            )
        except (AddressRefused, ValidationFailed):
            status = 'not delivered'  # nothing finer: the answers must not tell what listens inside
        except Exception as error:  # a webhook that can't even be read never stops the others from being told
            log.warning('webhook %s could not be prepared: %s', webhook.id, type(error).__name__)
            status = 'not delivered'
        else:
            status = await self._post(url, headers, extensions, self._body(webhook, event, text, subject))
        self.deliveries += 1
        log.info('webhook %s, %s: %s', webhook.id, event, status)
        await self._webhooks.record_delivery(webhook.id, status, datetime.now(UTC))
        return status

    async def _post(self, url: httpx.URL, headers: dict, extensions: dict, body: dict) -> str:
        try:
            async with self._client() as client:
                answer = await client.post(url, json=body, headers=headers, extensions=extensions)
        except httpx.HTTPError as error:
            return f'failed: {type(error).__name__}'
        except Exception as error:  # one broken webhook never stops the others from being told
            log.warning('webhook delivery failed: %s', type(error).__name__)
            return 'not delivered'
        return f'delivered (HTTP {answer.status_code})' if answer.is_success else f'refused (HTTP {answer.status_code})'

    async def tick(self) -> int:
        """Send what happened since the last tick to every webhook that wants it; returns how many were sent."""
        webhooks = await self._webhooks.all()
        now = datetime.now(UTC)
        sent = await self._deployment_events(webhooks, now)
        for webhook in webhooks:
            sent += await self._node_events(webhook, now)
        return sent

    async def _deployment_events(self, webhooks: list[WebhookRecord], now: datetime) -> int:
        since = await self._webhooks.checkpoint('deployments')
        until = now - SETTLE
        if since is None:  # the first tick: what happened before the first webhook existed is not news
            await self._webhooks.advance_checkpoint('deployments', until)
            return 0
        if until <= since:
            return 0
        if not webhooks:  # nobody to tell: only keep the place
            await self._webhooks.advance_checkpoint('deployments', until)
            return 0
        sent = 0
        for deployment in await self._deployments.recently_changed(None, since, limit=500):
            for change in deployment.history:
                if not since < change.at <= until or change.status not in (Status.FAILED, Status.RUNNING):
                    continue
                event = f'deployment.{change.status.value}'
                subject = {
                    'deployment': {'id': deployment.id, 'name': deployment.name, 'reason': change.reason},
                    'url': f'{self._public_url}/deployments/{deployment.id}',
                }
                text = f'Deployment {deployment.name} {change.status.value}: {change.reason}'
                for webhook in webhooks:
                    if event in webhook.events:
                        await self._send(webhook, event, text, subject)
                        sent += 1
        await self._webhooks.advance_checkpoint('deployments', until)
        return sent

    async def _node_events(self, webhook: WebhookRecord, now: datetime) -> int:
        offline = await self._notices.newly_offline(webhook, now) if 'node.offline' in webhook.events else {}
        back = await self._notices.back_online(webhook, now)
        back = back if 'node.online' in webhook.events else []
        sent = 0
        if len(offline) > GROUPED_ABOVE:
            await self._send(webhook, 'node.offline', *await self._grouped('are offline', list(offline)))
            sent += 1
        else:
            names = await self._nodes.names(list(offline))
            for node_id, last_seen in offline.items():
                name = names.get(node_id, node_id)
                text = f'Node {name} is offline: no heartbeat since {last_seen:%Y-%m-%d %H:%M:%S} UTC'
                await self._send(webhook, 'node.offline', text, self._node_subject(node_id, name))
                sent += 1
        if len(back) > GROUPED_ABOVE:
            await self._send(webhook, 'node.online', *await self._grouped('are back online', back))
            return sent + 1
        names = await self._nodes.names(back)
        for node_id in back:
            name = names.get(node_id, node_id)
            await self._send(webhook, 'node.online', f'Node {name} is back online', self._node_subject(node_id, name))
            sent += 1
        return sent

    async def _grouped(self, what: str, node_ids: list[str]) -> tuple[str, dict]:
        """One message for many nodes at once (a mass outage, a whole site back): the count and the first few."""
        named = await self._nodes.names(node_ids[:LISTED_IN_GROUP])
        shown = ', '.join(named.get(i, i) for i in node_ids[:5])
        more = f' and {len(node_ids) - 5} more' if len(node_ids) > 5 else ''
        subject = {
            'count': len(node_ids),
            'nodes': [{'id': i, 'name': named.get(i, '')} for i in node_ids[:LISTED_IN_GROUP]],
            'url': f'{self._public_url}/nodes',
        }
        return f'{len(node_ids)} nodes {what}: {shown}{more}', subject

    def _node_subject(self, node_id: str, name: str) -> dict:
        return {'node': {'id': node_id, 'name': name}, 'url': f'{self._public_url}/nodes/{node_id}'}
