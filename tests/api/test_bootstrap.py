"""bootstrap.build wires Espaze without starting anything; prepare() asks every owner of collections for its
indexes; tests and benches pass their own database and cluster."""

import pytest
from pymongo import AsyncMongoClient

import bootstrap
from config import load_settings, resolve_secrets
from services.cluster.connect import api_client

# the collections whose owners must ensure indexes beyond _id at startup
INDEXED = (
    'users',
    'sessions',
    'nodes',
    'node_liveness',
    'node_events',
    'enrollment_tokens',
    'node_token_revocations',
    'github_oauth_states',
    'deployments',
    'releases',
    'audit',
    'rate_counters',
    'webhook_node_states',
    'metrics_raw',
)


async def indexed_collections(mongo_url: str) -> set[str]:
    client: AsyncMongoClient = AsyncMongoClient(mongo_url)
    try:
        db = client.get_default_database()
        found = set()
        for name in await db.list_collection_names():
            if len(await db[name].index_information()) > 1:
                found.add(name)
        return found
    finally:
        await client.close()


async def test_build_starts_nothing_and_prepare_indexes_every_owner(mongo_url: str):
    settings = load_settings()
    espaze = bootstrap.build(
        settings, resolve_secrets(settings), mongo_url=mongo_url, cluster_client=api_client('kubeconfig')
    )
    assert espaze.embedded is None and espaze.sandbox is None
    assert not espaze.scheduler.running and not espaze.services.health.started
    assert await indexed_collections(mongo_url) == set()
    try:
        await espaze.prepare()
        assert espaze.scheduler.running and espaze.services.health.started
        assert set(INDEXED) <= await indexed_collections(mongo_url)
    finally:
        await espaze.stop()
    assert not espaze.scheduler.running


async def test_without_a_database_url_or_cluster_the_children_are_built_but_not_started(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.delenv('MONGO_URL')
    monkeypatch.delenv('KUBECONFIG')
    monkeypatch.setenv('ESPAZE_CLUSTER', 'sandbox')
    settings = load_settings()
    espaze = bootstrap.build(settings, resolve_secrets(settings))
    assert espaze.embedded is not None and espaze.embedded.pid is None
    assert espaze.sandbox is not None and espaze.sandbox.pid is None
    assert espaze.services.cluster.sandbox
    await espaze.client.close()
