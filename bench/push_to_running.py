"""How long a push takes to become Running, from GitHub's delivery to ready pods, measured in one run.

    .venv/bin/python -m bench.push_to_running [--pushes 10]

Starts Espaze as `make run` does (embedded database, sandbox cluster; the default 3 s rollout interval), pointed
at the GitHub emulator of the tests. An operator deploys a repository with auto-deploy on; then, `pushes` times,
a new commit is pushed and its signed `push` delivery is posted as GitHub would. For each push it takes the time
to the 202 answer and the time from the delivery to the deployment running that commit (its release ready).
For comparison the same number of clicks on Redeploy (`POST /redeploy` after a new commit) are timed the same way.
Prints median and worst of each, and the ratio push / redeploy of the medians.
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from tests.support.fleet_setup import admin_session
from tests.support.github_emulator import GitHubEmulator
from tests.support.github_helpers import classic_token
from tests.support.push_helpers import push_payload, signed
from tests.support.running_app import RunningApp, start_app, stop_app

REPO = 'bench/shop'


def _running_at(app: RunningApp, auth: dict, deployment_id: str, sha: str, started: float) -> float:
    deadline = time.monotonic() + 120
    while True:
        found = httpx.get(f'{app.base_url}/api/deployments/{deployment_id}', headers=auth, timeout=10).json()
        if found['status'] == 'running' and found['commitSha'] == sha and found['runningRelease'] == found['release']:
            return time.perf_counter() - started
        assert found['status'] != 'failed', found['statusReason']
        assert time.monotonic() < deadline, f'never ran {sha[:7]}: {found["statusReason"]}'
        time.sleep(0.05)


def _describe(name: str, seconds: list[float], unit: str = 's') -> str:
    scale = 1000 if unit == 'ms' else 1
    return f'{name}: median {statistics.median(seconds) * scale:.2f} {unit}, worst {max(seconds) * scale:.2f} {unit}'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--pushes', type=int, default=10)
    args = parser.parse_args()
    github = GitHubEmulator().start()
    token = classic_token()
    github.add_user(token, 'bench')
    github.add_repo(REPO)
    app = start_app(Path(tempfile.mkdtemp()) / 'data', {'GITHUB_API_URL': github.base_url})
    try:
        auth = admin_session(app)
        api = f'{app.base_url}/api'
        assert httpx.put(f'{api}/github/token', json={'token': token}, headers=auth, timeout=10).status_code == 200
        payload = {
            'name': 'shop',
            'githubRepo': REPO,
            'branch': 'main',
            'configuration': {'replicas': 1, 'autoDeploy': True},
        }
        created = httpx.post(f'{api}/deployments', json=payload, headers=auth, timeout=10)
        assert created.status_code == 202, created.text
        deployment_id = created.json()['id']
        first = github.repos[REPO].branches['main']
        _running_at(app, auth, deployment_id, first, time.perf_counter())
        answers, pushes, clicks = [], [], []
        for n in range(args.pushes):
            before, after = github.push(REPO, 'main', {'Dockerfile': f'FROM python:3.12\nLABEL n="{n}"\n'})
            body, headers = signed(github, REPO, 'push', push_payload(REPO, 'main', before, after), None, None)
            started = time.perf_counter()
            answer = httpx.post(f'{api}/github/webhooks', content=body, headers=headers, timeout=10)
            answers.append(time.perf_counter() - started)
            assert answer.status_code == 202, answer.text
            pushes.append(_running_at(app, auth, deployment_id, after, started))
        for n in range(args.pushes):
            _, after = github.push(REPO, 'main', {'Dockerfile': f'FROM python:3.13\nLABEL n="{n}"\n'})
            started = time.perf_counter()
            clicked = httpx.post(f'{api}/deployments/{deployment_id}/redeploy', headers=auth, timeout=10)
            assert clicked.status_code == 200, clicked.text
            clicks.append(_running_at(app, auth, deployment_id, after, started))
    finally:
        stop_app(app)
        github.stop()
    print(f'{args.pushes} pushes and {args.pushes} redeploys, one run, sandbox cluster, 3 s rollout interval')
    print(_describe('delivery answered (202)', answers, 'ms'))
    print(_describe('push: delivery -> Running', pushes))
    print(_describe('redeploy: click -> Running', clicks))
    print(f'push / redeploy (medians): {statistics.median(pushes) / statistics.median(clicks):.2f}x')


if __name__ == '__main__':
    main()
