"""Outgoing webhooks, for admins: list, add, delete, and send a test message."""

from datetime import datetime

from fastapi import APIRouter, Response, status
from pydantic import Field

from api.deps import CurrentUser, ServicesDep
from api.schemas import CamelModel

router = APIRouter(prefix='/api/webhooks', tags=['webhooks'])


class WebhookIn(CamelModel):
    url: str = Field(max_length=2048, description='http(s) address; stored encrypted, shown as scheme and host')
    kind: str = Field(default='generic', description='generic (JSON event) or slack ({"text": ...})')
    events: list[str] = Field(
        max_length=10, description='node.offline, node.online, deployment.failed, deployment.running'
    )
    offline_after_seconds: int = Field(default=300, description='how long a node is silent before node.offline')


class WebhookOut(CamelModel):
    id: str
    shown_url: str
    kind: str
    events: list[str]
    offline_after_seconds: int
    created_by: str
    created_at: datetime
    last_status: str | None
    last_at: datetime | None


class TestOut(CamelModel):
    result: str


@router.get('')
async def list_webhooks(user: CurrentUser, services: ServicesDep) -> list[WebhookOut]:
    return [WebhookOut.of(w) for w in await services.notifications.webhooks(user)]


@router.post('', status_code=status.HTTP_201_CREATED)
async def add_webhook(body: WebhookIn, user: CurrentUser, services: ServicesDep) -> WebhookOut:
    created = await services.notifications.create(user, body.url, body.kind, body.events, body.offline_after_seconds)
    return WebhookOut.of(created)


@router.delete('/{webhook_id}', status_code=status.HTTP_204_NO_CONTENT)
async def delete_webhook(webhook_id: str, user: CurrentUser, services: ServicesDep) -> Response:
    await services.notifications.delete(user, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post('/{webhook_id}/test')
async def test_webhook(webhook_id: str, user: CurrentUser, services: ServicesDep) -> TestOut:
    """Send a test message now and say what the receiver answered."""
    return TestOut(result=await services.notifications.test(user, webhook_id))
