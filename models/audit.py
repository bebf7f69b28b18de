"""What happened: audit entries, and the timeline and problems the Dashboard shows."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AuditEntry:
    id: str
    at: datetime
    actor_id: str | None
    actor_email: str | None
    action: str
    target: str | None
    details: dict[str, str]


@dataclass(frozen=True)
class AuditPage:
    items: list[AuditEntry]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True)
class ActivityItem:
    at: datetime
    kind: str  # deployment, node
    text: str
    link: str
    level: str  # info, good, bad


@dataclass(frozen=True)
class AttentionItem:
    reason: str
    link: str
