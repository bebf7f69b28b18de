"""The beat log as replicas share it: each flush is one document, every replica follows them all, and what it
knows of a node is that node's latest beat, whichever replica took it."""

from datetime import UTC, datetime, timedelta

from bson import ObjectId

from models.fleet import Heartbeat
from repositories.beat_log import OFFSET_UNIT, as_stored
from repositories.database import open_database
from repositories.node_liveness import NodeLivenessRepository


def _beats(node_ids: list[str], at: datetime) -> list[Heartbeat]:
    return [Heartbeat(node_id, at, None) for node_id in node_ids]


async def test_a_replica_knows_the_beats_another_one_took(mongo_url: str):
    clients = [open_database(mongo_url, 5) for _ in range(2)]
    first, second = (NodeLivenessRepository(db) for _, db in clients)
    try:
        await first.ensure_indexes()
        paris, lisbon, oslo = (str(ObjectId()) for _ in range(3))
        long_ago = as_stored(datetime.now(UTC) - timedelta(minutes=3))
        lately = as_stored(datetime.now(UTC) - timedelta(seconds=5))
        await first.record(_beats([paris, lisbon], long_ago))
        await second.record(_beats([oslo], lately))
        assert await second.tail.follow() == 1  # the other replica's flush (its own it knows already)
        assert await second.tail.follow() == 0
        assert second.tail.latest(paris) == long_ago and second.tail.latest(oslo) == lately
        await first.record(_beats([lisbon], lately))
        await second.tail.follow()
        cutoff = datetime.now(UTC) - timedelta(seconds=90)
        assert second.tail.silent_since(cutoff) == {paris: long_ago}
        assert second.tail.seen_between(long_ago, datetime.now(UTC)) == {lisbon: lately, oslo: lately}
        assert second.tail.seen_between(None, long_ago) == {paris: long_ago}
        await first.record(_beats([paris], long_ago - timedelta(minutes=1)))  # an older beat changes nothing
        await second.tail.follow()
        assert second.tail.latest(paris) == long_ago
        second.tail.forget([paris])
        assert second.tail.silent_since(cutoff) == {} and second.tail.latest(paris) is None
        assert await second.tail.reload() == 4 and second.tail.latest(paris) == long_ago
    finally:
        for client, _ in clients:
            await client.close()


async def test_a_flush_is_one_document_and_no_node_document_is_written(mongo_url: str):
    client, db = open_database(mongo_url, 5)
    try:
        liveness = NodeLivenessRepository(db)
        node_ids = [str(ObjectId()) for _ in range(500)]
        for node_id in node_ids:
            await liveness.create(node_id)
        await liveness.record(_beats([*node_ids, 'not-a-node'], datetime.now(UTC)))
        assert await db['beat_log'].count_documents({}) == 1
        [logged] = await liveness.log.written_since(datetime.now(UTC) - timedelta(minutes=1))
        assert sorted(logged.node_ids) == sorted(node_ids)
        assert await db['node_liveness'].count_documents({'last_seen_at': None}) == 500
        assert (await liveness.of(node_ids[:1]))[node_ids[0]]['last_seen_at'] == logged.at  # shown from the log
    finally:
        await client.close()


async def test_each_node_is_logged_at_its_own_beat_and_another_replica_shows_it_so(mongo_url: str):
    clients = [open_database(mongo_url, 5) for _ in range(2)]
    first, second = (NodeLivenessRepository(db, timedelta(seconds=90)) for _, db in clients)
    try:
        await first.ensure_indexes()
        silent, beating, unknown = (str(ObjectId()) for _ in range(3))
        early, late = datetime.now(UTC) - timedelta(seconds=100), datetime.now(UTC) - timedelta(seconds=5)
        await first.record([Heartbeat(silent, early, None), Heartbeat(beating, late, None)])  # one flush
        assert await second.tail.follow() == 1
        assert second.tail.latest(silent) == as_stored(early)
        assert timedelta(0) <= late - second.tail.latest(beating) < OFFSET_UNIT  # to a tenth of a second, never later
        shown = second.presence.status
        assert (shown(silent, 'online'), shown(beating, 'pending'), shown(unknown, 'pending')) == (
            'offline',
            'online',
            'pending',
        )
        assert second.presence.changed() == {silent, beating}  # what the read model then shows again
    finally:
        for client, _ in clients:
            await client.close()
