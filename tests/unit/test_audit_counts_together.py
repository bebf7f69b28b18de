"""Audit entries written at once have their counts written together (one bulk write for those that waited, not one
each on the same two documents), every entry is counted, and a failed count write reaches every entry's writer."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.errors import PyMongoError

from models.audit import AuditEntry
from repositories.audit import AuditRepository
from repositories.audit_counts import AuditCounts
from repositories.database import open_database
from tests.support.command_log import CommandLog

WRITES = CommandLog('update', 'audit_counts')


def _entry(n: int) -> AuditEntry:
    return AuditEntry(
        id='',
        at=datetime.now(UTC),
        actor_id='u1',
        actor_email='ann@example.com',
        action='deployment.deploy',
        target=f'd{n}',
        details={},
    )


async def test_entries_written_at_once_are_counted_together_and_all_counted(mongo_url: str):
    client, db = open_database(mongo_url, 10)
    audit = AuditRepository(db, timedelta(days=365))
    await audit.ensure_indexes()
    try:
        WRITES.clear()
        await asyncio.gather(*(audit.add(_entry(n)) for n in range(24)))
        assert WRITES.count <= 8  # a write for the entries whose insert had come back meanwhile (one each: 24)
        assert (await audit.page(None, None, 1, 50)).total == 24
        assert (await audit.page('deployment.deploy', 'ann@example.com', 1, 50)).total == 24
    finally:
        await client.close()


async def test_a_failed_count_write_reaches_every_writer_that_waited_for_it(mongo_url: str):
    client, db = open_database(mongo_url, 10)
    counts = AuditCounts(db, timedelta(days=365))
    await client.close()  # every write now fails
    now = datetime.now(UTC)
    results = await asyncio.gather(*(counts.add(now, 'login', None) for _ in range(5)), return_exceptions=True)
    assert len(results) == 5
    assert all(isinstance(result, PyMongoError) for result in results)
    with pytest.raises(PyMongoError):
        await counts.add(now, 'login', None)  # and a later one writes (and fails) on its own
