"""A mass outage: every node of a large fleet stops beating at once; how long until Espaze shows them offline.

    .venv/bin/python -m bench.mass_outage [--nodes 60000]

Seeds the embedded database as bench/scale does (60,000 nodes over 200 owners), starts Espaze on it (its first
start builds the indexes), then marks every node as having just beaten and online, as a fleet that was beating a
moment ago (its beats in the beat log, as flushes of 2,000), and polls the nodes summary until none is online.
Prints the seconds from that last beat until every node showed offline, against the goal: the offline threshold
(ESPAZE_NODE_OFFLINE_AFTER, 90 s) plus one sweep (ESPAZE_OFFLINE_SWEEP_SECONDS, 5 s), within 100 s plus one sweep.
"""

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pymongo import MongoClient

from bench.scale.seed import ADMIN_EMAIL, PASSWORD, seed
from repositories.beat_log import log_document
from runtime.embedded_db import EmbeddedMongo
from tests.support.running_app import start_app, stop_app

THRESHOLD, SWEEP = 90, 5


def _ready(client: httpx.Client) -> bool:
    try:
        return client.get('/readyz').status_code == 200
    except httpx.HTTPError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--nodes', type=int, default=60_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix='espaze-outage-'))
    database = EmbeddedMongo(workdir / 'db')
    database.start()
    seed(database.url, args.nodes, 10, 200, 0)
    environment = {'MONGO_URL': database.url, 'ESPAZE_NODE_OFFLINE_AFTER': str(THRESHOLD)}
    app = start_app(workdir / 'data', environment, ready=False)
    try:
        with httpx.Client(base_url=app.base_url, timeout=60) as client:
            while not _ready(client):
                assert app.process.poll() is None, app.output[-20:]
                time.sleep(1)
            login = client.post('/api/auth/login', json={'email': ADMIN_EMAIL, 'password': PASSWORD}).json()
            auth = {'Authorization': f'Bearer {login["accessToken"]}'}
            with MongoClient(database.url, tz_aware=True) as mongo:
                db = mongo.get_default_database('espaze')
                node_ids = [doc['_id'] for doc in db['nodes'].find({}, {'_id': 1})]
                for start in range(0, len(node_ids), 200):  # stamped as each write of the app stamps its own
                    part = {'_id': {'$in': node_ids[start : start + 200]}}
                    db['nodes'].update_many(part, {'$set': {'status': 'online', 'updated_at': datetime.now(UTC)}})
                db['node_liveness'].update_many({}, {'$set': {'online': True, 'last_seen_at': datetime.now(UTC)}})
                node_ids = [str(node_id) for node_id in node_ids]
                last_beat = datetime.now(UTC)  # what the replicas' flushes wrote of the fleet's last beats
                flushes = [log_document(last_beat, node_ids[i : i + 2000]) for i in range(0, len(node_ids), 2000)]
                db['beat_log'].insert_many(flushes)
            started = time.monotonic() - (datetime.now(UTC) - last_beat).total_seconds()
            while True:
                summary = client.get('/api/nodes/summary', headers=auth).json()
                if summary['online'] == 0 and summary['offline'] == summary['total'] >= args.nodes:
                    break
                assert time.monotonic() - started < 900, summary
                time.sleep(0.5)
            took = time.monotonic() - started
    finally:
        stop_app(app)
        database.stop()
    goal = 100 + SWEEP
    print(f'{args.nodes} nodes silent at once: all shown offline {took:.0f} s after their last beat')
    print(f'threshold {THRESHOLD} s + one sweep {SWEEP} s = {THRESHOLD + SWEEP} s; goal within {goal} s: ', end='')
    print('met' if took <= goal else 'NOT met')


if __name__ == '__main__':
    main()
