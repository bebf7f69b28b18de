"""The read model answers every list exactly as a query over all the documents would, however they change; it
follows the database by reading only what changed, and another replica sees a deletion through its tombstone."""

import random
from datetime import UTC, datetime, timedelta

from bson import ObjectId

from repositories.database import open_database
from repositories.read_model import ReadModel, Row, ViewKey

STATUSES = ['online', 'offline', 'pending', 'deleted']
OWNERS = ['o1', 'o2', 'o3']
T0 = datetime(2026, 12, 5, tzinfo=UTC)
FIELDS = {'owner_id': 1, 'status': 1, 'name': 1, 'created_at': 1, 'tags': 1}


def _row(doc: dict) -> Row:
    return Row(
        id=str(doc['_id']),
        owner_id=doc['owner_id'],
        status=doc['status'],
        sort_keys={'name': doc['name'], 'created_at': doc['created_at']},
        text=doc['name'],
        tags=frozenset(doc['tags']),
    )


def _doc(rng: random.Random, oid: ObjectId | None = None) -> dict:
    return {
        '_id': oid or ObjectId(),
        'owner_id': rng.choice(OWNERS),
        'status': rng.choice(STATUSES),
        'name': f'n{rng.randrange(40):02d}',  # many ties: the order between them must still be exact
        'created_at': T0 + timedelta(seconds=rng.randrange(30)),
        'tags': rng.sample(['a', 'b', 'c'], rng.randrange(3)),
        'updated_at': datetime.now(UTC),
    }


def _expected(docs: dict, key: ViewKey, text: str | None, descending: bool) -> list[str]:
    def shown(doc: dict) -> bool:
        return (
            (key.owner_id is None or doc['owner_id'] == key.owner_id)
            and (doc['status'] == key.status if key.status else doc['status'] != 'deleted')
            and (key.tag is None or key.tag in doc['tags'])
            and (not text or text in doc['name'])
        )

    ordered = sorted((doc[key.sort], str(doc['_id'])) for doc in docs.values() if shown(doc))
    return [row_id for _, row_id in (ordered[::-1] if descending else ordered)]


async def test_every_page_matches_a_full_query_after_random_changes(mongo_url: str):
    client, db = open_database(mongo_url, 5)
    model = ReadModel(db['things'], _row, {'owner_id': 1}, hidden_statuses=('deleted',))
    await model.load()
    rng, docs = random.Random(19), {}
    keys = [
        ViewKey(owner, status, tag, sort)
        for owner in (None, 'o1')
        for status in (None, 'online', 'deleted')
        for tag in (None, 'b')
        for sort in ('name', 'created_at')
    ]
    try:
        for step in range(1500):
            choice = rng.random()
            if choice < 0.5 or not docs:
                doc = _doc(rng)
            elif choice < 0.85:
                doc = _doc(rng, rng.choice(list(docs)))  # a change to one that exists
            else:
                gone = rng.choice(list(docs))
                del docs[gone]
                model.note_deleted(str(gone))
                continue
            docs[doc['_id']] = doc
            model.note(doc)
            if step % 50 == 0:  # views are built at different moments, then kept up to date change by change
                for key in keys:
                    for text, descending in ((None, False), (None, True), ('n1', True)):
                        want = _expected(docs, key, text, descending)
                        offset = rng.randrange(max(1, len(want)))
                        ids, total = model.page(key, text, descending, offset, 7)
                        assert (ids, total) == (want[offset : offset + 7], len(want)), (step, key, text)
        for owner in (None, *OWNERS):
            counted = {}
            for doc in docs.values():
                if owner is None or doc['owner_id'] == owner:
                    counted[doc['status']] = counted.get(doc['status'], 0) + 1
            assert model.counts(owner) == counted
    finally:
        await client.close()


async def test_a_replica_follows_by_reading_only_what_changed_and_sees_deletions(mongo_url: str):
    client, db = open_database(mongo_url, 5)
    rng = random.Random(7)
    try:
        docs = [_doc(rng) | {'status': 'online'} for _ in range(300)]
        await db['things'].insert_many(docs)
        other = ReadModel(db['things'], _row, FIELDS, tombstones=db['things_gone'])
        await other.load()
        assert other.stats.loaded == 300
        before = other.stats.polled
        await other.catch_up()
        assert other.stats.polled - before == 300  # written within the overlap: each looked at once more
        await db['things'].update_many({}, {'$set': {'updated_at': T0}})  # as if written long ago
        await other.catch_up()
        before = other.stats.polled
        await other.catch_up()
        assert other.stats.polled == before  # nothing changed: nothing read
        renamed = docs[0]['_id']
        await db['things'].update_one({'_id': renamed}, {'$set': {'name': 'zz', 'updated_at': datetime.now(UTC)}})
        gone = docs[1]['_id']
        await db['things'].delete_one({'_id': gone})
        await db['things_gone'].insert_one({'_id': gone, 'at': datetime.now(UTC)})
        await other.catch_up()
        assert other.stats.polled - before == 2
        assert other.get(str(renamed)).sort_keys['name'] == 'zz' and other.get(str(gone)) is None
        assert other.counts(None) == {'online': 299}
    finally:
        await client.close()


async def test_a_restart_from_its_snapshot_reads_only_what_changed_meanwhile(mongo_url: str, tmp_path):
    client, db = open_database(mongo_url, 5)
    rng = random.Random(7)
    docs = {d['_id']: d for d in (_doc(rng) for _ in range(300))}
    for doc in docs.values():
        doc['updated_at'] = datetime.now(UTC) - timedelta(hours=1)
    await db['things'].insert_many(list(docs.values()))
    first = ReadModel(db['things'], _row, FIELDS, tombstones=db['gone'], hidden_statuses=('deleted',))
    path = tmp_path / 'things.pickle'
    await first.start(path, 'epoch-1')
    assert first.stats.loaded == 300 and path.exists()  # a full read saves a snapshot
    changed = next(iter(docs))
    await db['things'].update_one({'_id': changed}, {'$set': {'name': 'renamed', 'updated_at': datetime.now(UTC)}})
    gone = list(docs)[1]
    await db['things'].delete_one({'_id': gone})
    await db['gone'].insert_one({'_id': gone, 'at': datetime.now(UTC)})
    added = _doc(rng)
    await db['things'].insert_one(added)
    again = ReadModel(db['things'], _row, FIELDS, tombstones=db['gone'], hidden_statuses=('deleted',))
    await again.start(path, 'epoch-1')
    assert again.stats.loaded == 0 and again.stats.polled == 3  # the two writes and the tombstone
    rows = again._state.rows
    assert rows[str(changed)].sort_keys['name'] == 'renamed' and str(gone) not in rows and str(added['_id']) in rows
    assert len(rows) == 300
    other = ReadModel(db['things'], _row, FIELDS, tombstones=db['gone'], hidden_statuses=('deleted',))
    await other.start(path, 'epoch-2')  # a restored database is another epoch: everything is read
    assert other.stats.loaded == 300
    await client.close()
