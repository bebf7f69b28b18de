"""Each build and rollout is reported on its commit, in order, through the owner's connection; a report that
fails is retried and never holds up the deploy."""

import pytest
from nicegui.testing import User

from services.github import statuses as commit_statuses
from tests.support.api_helpers import started
from tests.support.deployment_helpers import body, create, linked_operator, until
from tests.support.github_emulator import GitHubEmulator

REPO = 'dev/shop'


@pytest.fixture(autouse=True)
def jobs_driven_by_the_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ROLLOUT_INTERVAL_SECONDS', '60')
    monkeypatch.setenv('ESPAZE_COMMIT_STATUS_INTERVAL_SECONDS', '60')
    monkeypatch.setattr(commit_statuses, 'FIRST_RETRY_SECONDS', 0)


def reported(github: GitHubEmulator) -> list[tuple[str, str, str, str]]:
    return [(s['sha'], s['state'], s['context'], s['description']) for s in github.repos[REPO].statuses]


async def test_a_build_and_rollout_are_reported_in_order_on_their_commit(github: GitHubEmulator, user: User):
    client = user.http_client
    auth = await linked_operator(client, github)
    github.add_repo(REPO)
    deployment_id = await create(client, auth, body(repo=REPO, replicas=1))
    found = await until(client, auth, deployment_id, {'running', 'failed'})
    assert found['status'] == 'running'
    assert await (await started()).statuses.send_due() == 3
    sha, image = found['commitSha'], found['image']
    assert [status[:3] for status in reported(github)] == [
        (sha, 'pending', 'espaze/shop'),
        (sha, 'pending', 'espaze/shop'),
        (sha, 'success', 'espaze/shop'),
    ]
    descriptions = [status[3] for status in reported(github)]
    assert descriptions[0] == f'Building commit {sha[:7]}' and descriptions[2] == '1 of 1 replicas ready'
    assert f'Image built; rolling out {image}'.startswith(descriptions[1].rstrip('…'))
    assert all(len(d) <= 140 for d in descriptions)
    [status] = github.repos[REPO].statuses[-1:]
    assert status['target_url'].endswith(f'/deployments/{deployment_id}')
    assert await (await started()).statuses.send_due() == 0  # each once


async def test_a_crashing_build_is_a_failure_and_a_failed_report_is_retried_without_holding_the_deploy(
    github: GitHubEmulator, user: User
):
    client = user.http_client
    auth = await linked_operator(client, github)
    github.add_repo(REPO, files={'Dockerfile': 'FROM python:3.12\nCMD ["sh", "-c", "exit 3"]\n'})
    attempts_per_send = 3  # the GitHub gateway itself tries a 5xx three times
    github.fail(r'/statuses/', 502, times=2 * attempts_per_send, body={'message': 'Server Error'})
    deployment_id = await create(client, auth, body(repo=REPO, replicas=1))
    found = await until(client, auth, deployment_id, {'running', 'failed'}, seconds=90)
    assert found['status'] == 'failed'  # the deploy went on while GitHub refused the reports
    statuses = (await started()).statuses
    assert await statuses.send_due() == 0  # first attempt fails; the later ones wait behind it
    assert await statuses.send_due() == 0  # second attempt fails too
    assert await statuses.send_due() == 3
    states = [state for _, state, _, _ in reported(github)]
    assert states == ['pending', 'pending', 'failure']
    assert reported(github)[-1][3].startswith('The app keeps crashing')
