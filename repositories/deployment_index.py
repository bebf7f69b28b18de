"""The deployments' read model: what the list and the counts need of every deployment, in memory, following
`deployments` (every write there sets `updated_at`; a deleted deployment keeps its record, marked deleted)."""

from typing import Any

from models.deployments import Status
from repositories.read_model import ReadModel, Row, ViewKey

PROJECTION = {'owner_id': 1, 'status': 1, 'name': 1, 'github_repo': 1}


def deployment_row(doc: dict[str, Any]) -> Row:
    return Row(
        id=str(doc['_id']),
        owner_id=doc['owner_id'],
        status=doc['status'],
        sort_keys={'updated_at': doc['updated_at']},
        text=f'{doc["name"]}\n{doc.get("github_repo") or ""}'.lower(),
    )


def deployment_model(collection) -> ReadModel:
    return ReadModel(collection, deployment_row, PROJECTION, hidden_statuses=(Status.DELETED.value,))


def page_ids(
    model: ReadModel, owner_id: str | None, status: Status | None, text: str | None, page: int, page_size: int
) -> tuple[list[str], int]:
    """The ids of one page, most recently changed first, and how many match."""
    key = ViewKey(owner_id, status.value if status else None, None, 'updated_at')
    return model.page(key, (text or '').strip() or None, True, (page - 1) * page_size, page_size)
