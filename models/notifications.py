"""Outgoing webhooks: where Espaze tells what happened, and what it last heard back."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class WebhookRecord:
    id: str
    sealed_url: bytes
    shown_url: str
    kind: str  # generic, slack
    events: tuple[str, ...]
    offline_after_seconds: int
    created_by: str
    created_at: datetime
    last_status: str | None
    last_at: datetime | None
