"""Webhook deliveries as GitHub sends them: the recorded payloads, retargeted at a test's repository, signed
with the hook's secret (`X-Hub-Signature-256`), with GitHub's headers."""

import copy
import hashlib
import hmac
import json
import uuid
from pathlib import Path

import httpx

from tests.support.github_emulator import GitHubEmulator

DELIVERIES = Path(__file__).parent.parent / 'fixtures' / 'github-webhooks'


def recorded_delivery(name: str) -> dict:
    return json.loads((DELIVERIES / f'{name}.json').read_text())


def retargeted(payload: dict, full_name: str) -> dict:
    """The delivery as the test's repository would have it (every other field as GitHub wrote it)."""
    payload = copy.deepcopy(payload)
    owner, name = full_name.split('/')
    payload['repository'].update(full_name=full_name, name=name)
    payload['repository']['owner'] = {**payload['repository']['owner'], 'login': owner}
    return payload


def push_payload(full_name: str, branch: str, before: str, after: str, changed: tuple[str, ...] = ('app.py',)) -> dict:
    payload = retargeted(recorded_delivery('push.branch'), full_name)
    payload.update(ref=f'refs/heads/{branch}', before=before, after=after)
    [commit] = payload['commits'][:1]
    commit.update(id=after, added=[], removed=[], modified=list(changed))
    payload['commits'] = [commit]
    payload['head_commit'] = {**payload['head_commit'], 'id': after}
    return payload


def hook_of(github: GitHubEmulator, full_name: str) -> dict:
    [hook] = github.hooks_of(full_name)
    return hook


def signed(
    github: GitHubEmulator, full_name: str, event: str, payload: dict, delivery_id: str | None, secret: str | None
) -> tuple[bytes, dict[str, str]]:
    """The body and headers GitHub sends, signed with the repository hook's secret (or `secret`)."""
    hook = hook_of(github, full_name)
    body = json.dumps(payload).encode()
    key = (secret if secret is not None else hook['config']['secret']).encode()
    headers = {
        'Content-Type': 'application/json',
        'User-Agent': 'GitHub-Hookshot/5e8c2c5',
        'X-GitHub-Event': event,
        'X-GitHub-Delivery': delivery_id or str(uuid.uuid4()),
        'X-GitHub-Hook-ID': str(hook['id']),
        'X-GitHub-Hook-Installation-Target-Type': 'repository',
        'X-Hub-Signature-256': 'sha256=' + hmac.new(key, body, hashlib.sha256).hexdigest(),
    }
    return body, headers


async def deliver(
    client: httpx.AsyncClient,
    github: GitHubEmulator,
    full_name: str,
    event: str,
    payload: dict,
    delivery_id: str | None = None,
    secret: str | None = None,
) -> httpx.Response:
    """POST the delivery to Espaze as GitHub does."""
    body, headers = signed(github, full_name, event, payload, delivery_id, secret)
    return await client.post('/api/github/webhooks', content=body, headers=headers)


def pull_request_payload(
    full_name: str, action: str, number: int, head_sha: str, base: str = 'main', fork: str | None = None
) -> dict:
    """A `pull_request` delivery (the recorded one of that action) for `number`, from `fork` when given."""
    recorded_action = action if action in ('opened', 'synchronize', 'reopened', 'closed') else 'opened'
    payload = retargeted(recorded_delivery(f'pull_request.{recorded_action}'), full_name)
    payload.update(action=action, number=number)
    pull = payload['pull_request']
    pull.update(number=number)
    pull['head'] = {**pull['head'], 'sha': head_sha, 'ref': f'change-{number}'}
    pull['head']['repo'] = {**pull['head']['repo'], 'full_name': fork or full_name}
    pull['base'] = {**pull['base'], 'ref': base}
    pull['base']['repo'] = {**pull['base']['repo'], 'full_name': full_name}
    return payload
