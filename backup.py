"""Back Espaze up and restore it: every collection of its database, and the keys Espaze generated.

    python backup.py dump --out DIR        # from MONGO_URL, else the embedded database in ESPAZE_DATA_DIR
    python backup.py restore --from DIR    # into an empty database (MONGO_URL, or a fresh ESPAZE_DATA_DIR)

A backup holds `collections/<name>.bson` (documents one after another, as mongodump writes them) and, when Espaze
generated them into the data dir, its keys (`keys/`): without the encryption key, stored GitHub credentials
cannot be decrypted, so keep a backup as carefully as the keys themselves (it is written with mode 0700).
Stop Espaze, or accept that writes made during the dump may be missing from it.
"""

import argparse
import contextlib
import itertools
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import bson
from pymongo import MongoClient

from repositories.database import DEFAULT_DB_NAME
from runtime.embedded_db import EmbeddedMongo

KEY_FILES = ('jwt_secret', 'storage_secret', 'encryption_key')
BATCH = 1000


@contextlib.contextmanager
def database(data_dir: Path) -> Iterator:
    """MONGO_URL's database, or the embedded one of `data_dir` started for the occasion."""
    url = os.environ.get('MONGO_URL')
    embedded = None
    if url is None:
        embedded = EmbeddedMongo(data_dir / 'db')
        embedded.start()
        url = embedded.url
    client: MongoClient = MongoClient(url, serverSelectionTimeoutMS=10_000, socketTimeoutMS=60_000, tz_aware=True)
    try:
        yield client.get_default_database(DEFAULT_DB_NAME)
    finally:
        client.close()
        if embedded is not None:
            embedded.stop()


def dump(data_dir: Path, out: Path) -> dict[str, int]:
    """Write every collection and the generated keys to `out`; returns the documents per collection."""
    (out / 'collections').mkdir(parents=True, exist_ok=False)
    out.chmod(0o700)
    counts = {}
    with database(data_dir) as db:
        for name in sorted(db.list_collection_names()):
            with (out / 'collections' / f'{name}.bson').open('wb') as handle:
                counts[name] = 0
                for document in db[name].find().batch_size(BATCH):
                    handle.write(bson.encode(document))
                    counts[name] += 1
    keys = [data_dir / key for key in KEY_FILES if (data_dir / key).exists()]
    if keys:
        (out / 'keys').mkdir(mode=0o700)
        for key in keys:
            shutil.copy2(key, out / 'keys' / key.name)
    return counts


def restore(data_dir: Path, source: Path) -> dict[str, int]:
    """Load a dump into an empty database and put the keys back; returns the documents per collection."""
    files = sorted((source / 'collections').glob('*.bson'))
    if not files:
        raise SystemExit(f'{source} holds no collections/*.bson: not an Espaze backup')
    data_dir.mkdir(parents=True, exist_ok=True)
    for key in (source / 'keys').glob('*') if (source / 'keys').exists() else []:
        target = data_dir / key.name
        if target.exists() and target.read_bytes() != key.read_bytes():
            raise SystemExit(f'{target} exists and differs from the backup: restore into a fresh data dir')
        shutil.copy2(key, target)
        target.chmod(0o600)
    counts = {}
    with database(data_dir) as db:
        if any(db[name].find_one({}, {'_id': 1}) for name in db.list_collection_names()):
            raise SystemExit('the database is not empty: restore into an empty one')
        for path in files:
            counts[path.stem] = 0
            with path.open('rb') as handle:  # streamed: a collection may be larger than memory
                documents = bson.decode_file_iter(handle)
                while batch := list(itertools.islice(documents, BATCH)):
                    db[path.stem].insert_many(batch, ordered=True)
                    counts[path.stem] += len(batch)
        # the replicas' saved read models are of the data before this: a new epoch makes them read everything
        db['instance'].update_one({'_id': 'read_models'}, {'$set': {'epoch': uuid.uuid4().hex}}, upsert=True)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('command', choices=('dump', 'restore'))
    parser.add_argument('--out', type=Path, help='dump: a new folder for the backup')
    parser.add_argument('--from', dest='source', type=Path, help='restore: a backup folder')
    parser.add_argument('--data-dir', type=Path, default=Path(os.environ.get('ESPAZE_DATA_DIR', './data')))
    args = parser.parse_args(argv)
    if args.command == 'dump':
        if args.out is None:
            parser.error('dump needs --out')
        counts = dump(args.data_dir, args.out)
    else:
        if args.source is None:
            parser.error('restore needs --from')
        counts = restore(args.data_dir, args.source)
    print(f'{args.command}: {sum(counts.values())} documents in {len(counts)} collections', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
