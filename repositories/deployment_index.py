"""The deployments' read model: what the list and the counts need of every deployment, in memory, following
`deployments` (every write there sets `updated_at`; a deleted deployment keeps its record, marked deleted)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models.deployments import IN_FLIGHT, Status
from repositories.read_model import ReadModel, Row, ViewKey

PROJECTION = {'owner_id': 1, 'status': 1, 'name': 1, 'github_repo': 1}
PROJECTION |= {'namespace': 1, 'configuration.replicas': 1, 'phase_started_at': 1}


@dataclass(frozen=True)
class RolloutFacts:
    """What the rollout engine's look needs to judge a rollout from the watches, without a read."""

    namespace: str
    name: str
    replicas: int
    phase_started_at: datetime


def deployment_row(doc: dict[str, Any]) -> Row:
    return Row(
        id=str(doc['_id']),
        owner_id=doc['owner_id'],
        status=doc['status'],
        sort_keys={'updated_at': doc['updated_at']},
        text=f'{doc["name"]}\n{doc.get("github_repo") or ""}'.lower(),
        extra=RolloutFacts(doc['namespace'], doc['name'], doc['configuration']['replicas'], doc['phase_started_at']),
    )


def deployment_model(collection) -> ReadModel:
    return ReadModel(collection, deployment_row, PROJECTION, hidden_statuses=(Status.DELETED.value,))


def page_ids(
    model: ReadModel, owner_id: str | None, status: Status | None, text: str | None, page: int, page_size: int
) -> tuple[list[str], int]:
    """The ids of one page, most recently changed first, and how many match."""
    key = ViewKey(owner_id, status.value if status else None, None, 'updated_at')
    return model.page(key, (text or '').strip() or None, True, (page - 1) * page_size, page_size)


def in_flight_rows(model: ReadModel, limit: int) -> list[Row]:
    """The in-flight deployments as this replica's read model has them (its own writes at once, the others' within
    a poll), longest unchanged first: no read."""
    rows: list[Row] = []
    for status in IN_FLIGHT:
        ids, _ = model.page(ViewKey(None, status.value, None, 'updated_at'), None, False, 0, limit - len(rows))
        rows.extend(row for row in map(model.get, ids) if row is not None)
    return rows
