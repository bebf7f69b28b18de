"""How long one audit page takes, page by page, on the entries `bench/scale` seeds (one a minute), alone.

.venv/bin/python -m bench.audit_pages [--entries 5000] [--pages 1 10 30 50 80]
"""

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime, timedelta

from bench.scale.seed import audit_documents
from repositories.audit import AuditRepository
from repositories.database import open_database
from runtime.embedded_db import EmbeddedMongo


async def measure(url: str, entries: int, pages: list[int]) -> None:
    client, db = open_database(url, 60)
    try:
        await db['audit'].insert_many(audit_documents(entries, ['bench'], datetime.now(UTC), random.Random(1)))
        repository = AuditRepository(db, timedelta(days=365))
        await repository.ensure_indexes()  # counts the entries, as on an upgrade
        for page in pages:
            started = time.perf_counter()
            found = await repository.page(None, None, page, 50)
            print(f'page {page}: {len(found.items)} entries in {(time.perf_counter() - started) * 1000:.0f} ms')
    finally:
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--entries', type=int, default=5000)
    parser.add_argument('--pages', type=int, nargs='+', default=[1, 10, 30, 50, 80])
    args = parser.parse_args()
    database = EmbeddedMongo(':memory:')
    database.start()
    try:
        asyncio.run(measure(database.url, args.entries, args.pages))
    finally:
        database.stop()


if __name__ == '__main__':
    main()
