"""Schemathesis against /openapi.json of the real app: generated requests, valid and invalid, to every
operation, as an admin; no answer is a 500 and every answer matches what the schema says."""

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from tests.conftest import SandboxCluster
from tests.support.fleet_setup import admin_session
from tests.support.github_emulator import GitHubEmulator
from tests.support.running_app import RunningApp, start_app, stop_app

EXAMPLES_PER_OPERATION = 30


@pytest.fixture(scope='module')
def fuzzed_app(
    tmp_path_factory: pytest.TempPathFactory, sandbox_cluster: SandboxCluster, github_server: GitHubEmulator
) -> Iterator[tuple[RunningApp, dict[str, str]]]:
    environment = {
        'KUBECONFIG': str(sandbox_cluster.kubeconfig),
        'GITHUB_API_URL': github_server.base_url,
        'ESPAZE_LOG_LEVEL': 'WARNING',
    }
    app = start_app(tmp_path_factory.mktemp('fuzzed') / 'data', environment)
    try:
        yield app, admin_session(app)
    finally:
        stop_app(app)


@pytest.fixture(scope='module')
def api_schema(fuzzed_app: tuple[RunningApp, dict[str, str]]):
    app, _ = fuzzed_app
    loaded = schemathesis.openapi.from_url(f'{app.base_url}/openapi.json')
    loaded.config.generation.update(allow_extra_parameters=False)  # unknown query parameters are ignored, not refused
    return loaded


schema = schemathesis.pytest.from_fixture('api_schema')


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_500_and_every_answer_matches_the_schema(case, fuzzed_app: tuple[RunningApp, dict[str, str]]):
    app, auth = fuzzed_app
    case.call_and_validate(
        base_url=app.base_url,
        headers=auth,
        timeout=30,
        excluded_checks=[positive_data_acceptance],  # Espaze's rules are stricter than a JSON schema can say
    )
