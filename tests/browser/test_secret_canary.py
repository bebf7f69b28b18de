"""The secret canary: every kind of secret Espaze handles (passwords, access and refresh tokens, the setup,
enrollment and node tokens, a personal API token, a two-factor secret and recovery code, a GitHub token, a
deployment's secret variable, a webhook address) is given a
recognisable value, used, and then looked for in the app's whole log at DEBUG, every GET answer of the API,
every page as Chromium renders it, every MongoDB document and every file of the data directory."""

import re
import uuid
from pathlib import Path

import bson
import httpx
import pyotp
from playwright.sync_api import Browser, expect
from pymongo import MongoClient

from runtime.embedded_db import free_port
from tests.conftest import SandboxCluster
from tests.support.browser_pages import NetworkWatch
from tests.support.fleet_helpers import node_body
from tests.support.github_emulator import GitHubEmulator
from tests.support.github_helpers import classic_token
from tests.support.running_app import start_app, stop_app

PAGES = ('/', '/observatory', '/nodes', '/deployments', '/deployments/new', '/users', '/account', '/settings', '/audit')


def canary(kind: str) -> str:
    return f'canary-{kind}-{uuid.uuid4().hex}'


def test_no_secret_appears_in_logs_answers_pages_documents_or_files(
    tmp_path: Path, browser: Browser, github: GitHubEmulator, sandbox_cluster: SandboxCluster, mongo_url: str
):
    environment = {
        'MONGO_URL': mongo_url,
        'KUBECONFIG': str(sandbox_cluster.kubeconfig),
        'GITHUB_API_URL': github.base_url,
        'ESPAZE_LOG_LEVEL': 'DEBUG',
        'ESPAZE_ROLLOUT_INTERVAL_SECONDS': '1',
        'ESPAZE_ALLOW_PRIVATE_WEBHOOKS': 'true',  # its webhook address is on loopback
    }
    app = start_app(tmp_path / 'data', environment)
    secrets: dict[str, str] = {}
    answers: list[str] = []
    base = app.base_url

    def call(method: str, path: str, auth: dict | None = None, expected: int | None = None, **kwargs) -> httpx.Response:
        response = httpx.request(method, base + path, headers=auth or {}, timeout=30, **kwargs)
        assert expected is None or response.status_code == expected, (path, response.status_code, response.text)
        return response

    def kept(response: httpx.Response) -> httpx.Response:
        """An answer that must hold no secret (answers that hand a secret out are not kept)."""
        answers.append(f'{response.status_code} {dict(response.headers)} {response.text}')
        return response

    try:
        secrets['setup token'] = app.setup_url().split('token=', 1)[1]
        secrets['admin password'] = canary('admin-password')
        admin = {'token': secrets['setup token'], 'email': 'root@example.com', 'password': secrets['admin password']}
        kept(call('POST', '/api/auth/setup', json={**admin, 'name': 'Root'}, expected=201))
        login = call('POST', '/api/auth/login', json={k: admin[k] for k in ('email', 'password')}, expected=200)
        secrets['first refresh token'] = login.json()['refreshToken']
        refreshed = call(
            'POST', '/api/auth/refresh', json={'refreshToken': secrets['first refresh token']}, expected=200
        )
        secrets['access token'] = refreshed.json()['accessToken']
        secrets['refresh token'] = refreshed.json()['refreshToken']
        auth = {'Authorization': f'Bearer {secrets["access token"]}'}

        secrets['operator password'] = canary('operator-password')
        operator = {'email': 'dev@example.com', 'password': secrets['operator password'], 'name': 'Dev'}
        kept(call('POST', '/api/auth/register', json=operator, expected=201))
        operator_login = call('POST', '/api/auth/login', json={k: operator[k] for k in ('email', 'password')})
        operator_auth = {'Authorization': f'Bearer {operator_login.json()["accessToken"]}'}
        secrets['new operator password'] = canary('new-password')
        change = {'currentPassword': secrets['operator password'], 'newPassword': secrets['new operator password']}
        kept(call('POST', '/api/auth/password', operator_auth, 204, json=change))
        kept(
            call(
                'POST',
                '/api/auth/login',
                json={'email': operator['email'], 'password': 'wrong-' + secrets['admin password']},
            )
        )

        with_new_password = {'email': operator['email'], 'password': secrets['new operator password']}
        again = call('POST', '/api/auth/login', json=with_new_password, expected=200)
        operator_auth = {'Authorization': f'Bearer {again.json()["accessToken"]}'}
        secrets['TOTP secret'] = call('POST', '/api/auth/totp', operator_auth, 200).json()['secret']
        first_code = {'code': pyotp.TOTP(secrets['TOTP secret']).now()}
        recovery = call('POST', '/api/auth/totp/confirm', operator_auth, 200, json=first_code).json()['recoveryCodes']
        secrets['recovery code'] = recovery[1]
        kept(call('POST', '/api/auth/login', json={**with_new_password, 'recoveryCode': recovery[0]}, expected=200))
        secrets['API token'] = call('POST', '/api/tokens', auth, 201, json={'name': 'ci', 'scopes': ['read']}).json()[
            'token'
        ]
        kept(call('GET', '/api/nodes', {'Authorization': f'Bearer {secrets["API token"]}'}, 200))

        secrets['GitHub token'] = classic_token()
        github.add_user(secrets['GitHub token'], 'root')
        github.add_repo('root/shop')
        kept(call('PUT', '/api/github/token', auth, 200, json={'token': secrets['GitHub token']}))

        created = call('POST', '/api/nodes/enrollment-tokens', auth, 201, json={'name': 'edge'})
        secrets['enrollment token'] = created.json()['token']
        node = {**node_body(mac='02:00:00:00:00:42'), 'name': 'edge-1'}
        registered = call(
            'POST', '/api/nodes/register', {'Authorization': f'Bearer {secrets["enrollment token"]}'}, 201, json=node
        )
        node_id, secrets['node token'] = registered.json()['node']['id'], registered.json()['nodeToken']
        node_auth = {'Authorization': f'Bearer {secrets["node token"]}'}
        kept(call('POST', f'/api/nodes/{node_id}/heartbeat', node_auth, 200, json={'agentVersion': '1.0'}))

        secrets['secret variable'] = canary('secret-variable')
        deployment = {
            'name': 'shop',
            'githubRepo': 'root/shop',
            'branch': 'main',
            'configuration': {'port': 8080, 'replicas': 1, 'secretEnv': {'API_KEY': secrets['secret variable']}},
        }
        deployment_id = kept(call('POST', '/api/deployments', auth, 202, json=deployment)).json()['id']

        secrets['webhook address'] = f'http://127.0.0.1:{free_port()}/hooks/{canary("webhook")}'
        hook = {'url': secrets['webhook address'], 'events': ['deployment.failed']}
        kept(call('POST', '/api/webhooks', auth, 201, json=hook))

        ids = {'node_id': node_id, 'deployment_id': deployment_id, 'owner': 'root', 'repo': 'shop'}
        spec = call('GET', '/openapi.json').json()
        swept = 0
        for path, operations in spec['paths'].items():
            if 'get' not in operations:
                continue
            filled = re.sub(r'\{(\w+)\}', lambda m: ids.get(m.group(1), '0' * 24), path)
            kept(call('GET', filled, auth, params={'branch': 'main', 'ref': 'main', 'q': 'shop'}))
            swept += 1

        context = browser.new_context(viewport={'width': 1366, 'height': 900})
        page = context.new_page()
        network = NetworkWatch(page)
        page.goto(base + '/login')
        page.get_by_label('Email', exact=True).fill(admin['email'])
        page.get_by_label('Password', exact=True).fill(secrets['admin password'])
        page.get_by_role('button', name='Log in', exact=True).click()
        expect(page.get_by_text('Welcome, Root.')).to_be_visible()
        rendered = []
        for path in (*PAGES, f'/nodes/{node_id}', f'/deployments/{deployment_id}'):
            page.goto(base + path)
            network.settled()
            rendered.append(page.content())
        context.close()
        kept(call('POST', '/api/auth/logout', auth, json={'refreshToken': secrets['refresh token']}))
    finally:
        stop_app(app)

    assert swept > 30 and len(rendered) == len(PAGES) + 2
    logs = '\n'.join(app.output)
    assert 'DEBUG' in logs and 'POST /api/auth/login' in logs  # the whole log was captured, at DEBUG
    printed_once = {'setup token'}  # the setup link is printed for the operator, once, and spent at setup
    for kind, value in secrets.items():
        for text, where in (
            (logs, 'the log'),
            *((a, 'an API answer') for a in answers),
            *((r, 'a page') for r in rendered),
        ):
            if where == 'the log' and kind in printed_once:
                continue
            assert value not in text, f'the {kind} appears in {where}'
    client = MongoClient(mongo_url)
    database = client.get_default_database()
    documents = 0
    for name in database.list_collection_names():
        for document in database[name].find():
            raw = bson.encode(document)
            documents += 1
            for kind, value in secrets.items():
                assert value.encode() not in raw, f'the {kind} is stored as such in {name}'
    client.close()
    assert documents > 20
    for path in app.data_dir.rglob('*'):
        if path.is_file():
            content = path.read_bytes()
            for kind, value in secrets.items():
                assert value.encode() not in content, f'the {kind} is in {path}'
