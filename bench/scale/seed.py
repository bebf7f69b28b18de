"""A fleet and a platform at the promised size, written with `insert_many` in exactly the shape the repositories
write: owners, nodes with liveness, labels and positions (online, offline and pending), deployments with their
releases, status history and claimed hosts, and audit entries."""

import dataclasses
import random
from datetime import UTC, datetime, timedelta

import bcrypt
from bson import ObjectId
from pymongo import MongoClient

from config import Settings
from models.deployments import Deployment, DeploymentRequest, Status, StatusChange, public_host
from models.fleet import NodeStatus
from repositories.deployment_documents import configuration_doc, deployment_doc

PASSWORD = 'bench password 123'
ADMIN_EMAIL = 'root@example.com'
SITES = ['lisbon', 'oslo', 'porto', 'lagos', 'lima', 'pune', 'osaka', 'perth', 'quito', 'tunis']
BATCH = 5000
ONLINE, OFFLINE = 0.8, 0.15  # the rest pending
RUNNING, STOPPED = 0.85, 0.1  # the rest failed


def operator_email(n: int) -> str:
    return f'operator{n:03d}@example.com'


def _owners(db, count: int, now: datetime) -> list[str]:
    password_hash = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(10)).decode()
    docs = [
        {
            'email': operator_email(n),
            'name': f'Operator {n}',
            'role': 'operator',
            'disabled': False,
            'created_at': now,
            'password_hash': password_hash,
        }
        for n in range(count)
    ]
    ids = [str(i) for i in db['users'].insert_many(docs).inserted_ids]
    admin = {**docs[0], 'email': ADMIN_EMAIL, 'name': 'Root', 'role': 'admin'}
    admin.pop('_id', None)
    db['users'].insert_one(admin)
    return ids


def _node_docs(index: int, owner_id: str, now: datetime, rng: random.Random) -> tuple[dict, dict]:
    node_id = ObjectId()
    roll = rng.random()
    status = NodeStatus.ONLINE if roll < ONLINE else NodeStatus.OFFLINE if roll < ONLINE + OFFLINE else None
    status = status or NodeStatus.PENDING
    seen = None if status == NodeStatus.PENDING else now - timedelta(seconds=rng.uniform(0, 25))
    if status == NodeStatus.OFFLINE:
        seen = now - timedelta(hours=rng.uniform(1, 72))
    mac = ':'.join(f'{b:02x}' for b in (2, 0, *index.to_bytes(4, 'big')))
    created = now - timedelta(days=30) + timedelta(seconds=index * 20)
    node = {
        '_id': node_id,
        'owner_id': owner_id,
        'name': f'edge-{index:05d}',
        'mac_address': mac,
        'labels': [{'k': 'site', 'v': SITES[index % len(SITES)]}, {'k': 'tier', 'v': 'edge'}],
        'capacity': {'cpu_cores': 4, 'memory_bytes': 8 * 2**30},
        'status': status.value,
        'created_at': created,
        'token_hash': None,
        'token_id': None,
        'public_ip': f'198.51.{index // 250 % 256}.{index % 250 + 1}',
        'seen_ip': None,
        'location': {'latitude': rng.uniform(-60, 70), 'longitude': rng.uniform(-180, 180), 'accuracy_meters': None},
        'agent_version': '1.4.0',
        'status_changed_at': seen or created,
        'updated_at': now,  # written now, as far as the read models are concerned
    }
    metrics = {'cpu_percent': rng.uniform(5, 90), 'memory_percent': rng.uniform(10, 80), 'disk_percent': 40.0}
    liveness = {
        '_id': node_id,
        'online': status == NodeStatus.ONLINE,
        'last_seen_at': seen,
        'seen_ip': node['public_ip'] if seen else None,
        'metrics': {**metrics, 'load1': 0.5} if seen else None,
    }
    return node, liveness


def node_documents(
    start: int, count: int, owner_ids: list[str], now: datetime, rng: random.Random
) -> tuple[list[dict], list[dict]]:
    """`count` nodes (numbered from `start`) over these owners, and their liveness documents."""
    pairs = [_node_docs(i, owner_ids[i % len(owner_ids)], now, rng) for i in range(start, start + count)]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _deployment_docs(index: int, owner_id: str, now: datetime, rng: random.Random) -> tuple[dict, list[dict]]:
    name = f'app-{index:05d}'
    request = DeploymentRequest(name, f'octo/{name}', 'main', replicas=rng.choice([1, 2, 3]))
    started = now - timedelta(days=rng.uniform(1, 60))
    sha = f'{index:040x}'
    roll = rng.random()
    status = Status.RUNNING if roll < RUNNING else Status.STOPPED if roll < RUNNING + STOPPED else Status.FAILED
    releases = rng.choice([1, 2, 3, 5])
    history = []
    for number in range(releases):
        at = started + timedelta(hours=number)
        history += [
            StatusChange(Status.PENDING, f'Release #{number + 1}', at),
            StatusChange(Status.BUILDING, 'Building', at + timedelta(seconds=2)),
            StatusChange(Status.DEPLOYING, 'Applying', at + timedelta(seconds=60)),
            StatusChange(Status.RUNNING, 'Ready', at + timedelta(seconds=75)),
        ]
    if status != Status.RUNNING:
        history.append(StatusChange(status, 'Stopped' if status == Status.STOPPED else 'Not ready', history[-1].at))
    deployment = dataclasses.replace(
        Deployment.new(owner_id, request, sha, started),
        status=status,
        status_reason=history[-1].reason,
        release=releases,
        running_release=releases,
        image=f'registry.espaze.localhost:5000/{name}:{sha[:12]}',
        history=history,
        updated_at=history[-1].at,
    )
    doc = {'_id': ObjectId(), **deployment_doc(deployment, {})}
    release_docs = [
        {
            'deployment_id': str(doc['_id']),
            'number': number + 1,
            'kind': 'deploy' if number == 0 else 'redeploy',
            'note': f'Release #{number + 1}',
            'commit_sha': sha,
            'image': deployment.image,
            'digest': None,
            'configuration': configuration_doc(deployment.configuration),
            'secret_env': {},
            'created_by': operator_email(0),
            'created_at': started + timedelta(hours=number),
        }
        for number in range(releases)
    ]
    return doc, release_docs


def deployment_documents(
    start: int, count: int, owner_ids: list[str], now: datetime, rng: random.Random
) -> tuple[list[dict], list[dict]]:
    """`count` deployments (numbered from `start`) over these owners, and their releases."""
    made = [_deployment_docs(i, owner_ids[i % len(owner_ids)], now, rng) for i in range(start, start + count)]
    return [m[0] for m in made], [r for m in made for r in m[1]]


def host_documents(records: list[dict], now: datetime) -> list[dict]:
    """The host each public deployment claimed when it was created (`HostRepository.claim`)."""
    domain = Settings.model_fields['ingress_domain'].default
    return [
        {'_id': public_host(doc['name'], domain), 'owner_id': doc['owner_id'], 'name': doc['name'], 'at': now}
        for doc in records
        if doc['configuration']['public']
    ]


def audit_documents(count: int, owners: list[str], now: datetime, rng: random.Random) -> list[dict]:
    actions = ['login', 'deployment.scale', 'deployment.redeploy', 'node.update', 'login.failed']
    return [
        {
            'at': now - timedelta(minutes=n),
            'actor_id': owners[n % len(owners)],
            'actor_email': operator_email(n % len(owners)),
            'action': rng.choice(actions),
            'target': None,
            'details': {},
        }
        for n in range(count)
    ]


def seed(mongo_url: str, nodes: int, deployments: int, owners: int, audit: int, seed_value: int = 19) -> None:
    """Fill the database at `mongo_url` (its default database); the app then builds its indexes as on a restart."""
    rng = random.Random(seed_value)
    now = datetime.now(UTC)
    client = MongoClient(mongo_url, tz_aware=True)
    db = client.get_default_database('espaze')
    try:
        owner_ids = _owners(db, owners, now)
        for start in range(0, nodes, BATCH):
            node_docs, liveness_docs = node_documents(start, min(BATCH, nodes - start), owner_ids, now, rng)
            db['nodes'].insert_many(node_docs, ordered=False)
            db['node_liveness'].insert_many(liveness_docs, ordered=False)
        for start in range(0, deployments, BATCH):
            records, releases = deployment_documents(start, min(BATCH, deployments - start), owner_ids, now, rng)
            db['deployments'].insert_many(records, ordered=False)
            if hosts := host_documents(records, now):
                db['hosts'].insert_many(hosts, ordered=False)
            db['releases'].insert_many(releases, ordered=False)
        if audit:
            db['audit'].insert_many(audit_documents(audit, owner_ids, now, rng), ordered=False)
    finally:
        client.close()
