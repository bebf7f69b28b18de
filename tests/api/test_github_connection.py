"""Linking GitHub: tokens checked with GET /user and sealed at rest, OAuth with a state check, disconnecting."""

import httpx
import pytest
from cryptography.fernet import Fernet
from nicegui.testing import User
from pymongo import MongoClient

from tests.support.github_emulator import GitHubEmulator
from tests.support.github_helpers import classic_token, link, operator, token_docs


async def test_a_pasted_token_is_checked_recorded_and_sealed(github: GitHubEmulator, user: User, mongo_url: str):
    auth = await operator(user.http_client)
    before = (await user.http_client.get('/api/github/status', headers=auth)).json()
    assert before['state'] == 'none' and 'public repositories only' in before['note']
    token = classic_token()
    github.add_user(token, 'octocat', scopes='repo, read:user', expires='2027-01-31 12:00:00 UTC')
    status = await link(user.http_client, auth, token)
    assert status['state'] == 'linked' and status['kind'] == 'token' and status['login'] == 'octocat'
    assert status['scopes'] == ['repo', 'read:user'] and status['expiresAt'].startswith('2027-01-31T12:00:00')
    assert status['hint'] == f'ghp_...{token[-4:]}' and status['note'] is None
    assert github.calls('^/user$') == 1
    [doc] = token_docs(mongo_url)
    assert token.encode() not in doc['ciphertext'] and token not in repr(doc)
    assert doc['ciphertext'].startswith(b'gAAAAA')  # a Fernet token


async def test_fine_grained_tokens_report_no_scopes(github: GitHubEmulator, user: User):
    auth = await operator(user.http_client)
    token = 'github_pat_' + classic_token()[4:] + '_' + 'A' * 40
    github.add_user(token, 'octocat', scopes=None, expires='2027-03-01 00:00:00 +0100')
    status = await link(user.http_client, auth, token)
    assert status['scopes'] is None and status['hint'] == f'github_pat_...{token[-4:]}'
    assert status['expiresAt'].startswith('2027-02-28T23:00:00')


@pytest.mark.parametrize('token', ['short', 'ghp_' + 'x' * 20 + ' space', 'ghp_' + 'é' * 30, ''])
async def test_a_malformed_token_is_refused_before_asking_github(github: GitHubEmulator, user: User, token: str):
    auth = await operator(user.http_client)
    response = await user.http_client.put('/api/github/token', json={'token': token}, headers=auth)
    assert response.status_code == 422 and response.json()['fields'][0]['field'] == 'token'
    assert github.calls('^/user') == 0


async def test_a_token_github_refuses_is_a_422_and_nothing_is_stored(
    github: GitHubEmulator, user: User, mongo_url: str
):
    auth = await operator(user.http_client)
    token = classic_token()
    response = await user.http_client.put('/api/github/token', json={'token': token}, headers=auth)
    assert response.status_code == 422 and 'GitHub refused this token' in response.json()['error']
    assert token not in response.text and token_docs(mongo_url) == []


async def test_disconnect_deletes_the_credential(github: GitHubEmulator, user: User, mongo_url: str):
    auth = await operator(user.http_client)
    token = classic_token()
    github.add_user(token, 'octocat')
    await link(user.http_client, auth, token)
    assert (await user.http_client.delete('/api/github/token', headers=auth)).status_code == 204
    assert token_docs(mongo_url) == []
    assert (await user.http_client.get('/api/github/status', headers=auth)).json()['state'] == 'none'


async def test_each_user_sees_only_their_own_connection(github: GitHubEmulator, user: User):
    auth = await operator(user.http_client)
    token = classic_token()
    github.add_user(token, 'octocat')
    await link(user.http_client, auth, token)
    other = await operator(user.http_client, 'other@example.com')
    assert (await user.http_client.get('/api/github/status', headers=other)).json()['state'] == 'none'
    assert (await user.http_client.delete('/api/github/token', headers=other)).status_code == 204
    assert (await user.http_client.get('/api/github/status', headers=auth)).json()['state'] == 'linked'


async def test_a_credential_no_key_can_read_asks_to_relink_instead_of_failing(
    github: GitHubEmulator, user: User, mongo_url: str
):
    auth = await operator(user.http_client)
    token = classic_token()
    github.add_user(token, 'octocat')
    await link(user.http_client, auth, token)
    client = MongoClient(mongo_url)
    foreign = Fernet(Fernet.generate_key()).encrypt(token.encode())
    client.get_default_database()['github_tokens'].update_one({}, {'$set': {'ciphertext': foreign}})
    client.close()
    status = (await user.http_client.get('/api/github/status', headers=auth)).json()
    assert status['state'] == 're-link' and 'encryption key' in status['reason']
    browse = await user.http_client.get('/api/github/repos', headers=auth)
    assert browse.status_code == 409 and 're-link GitHub' in browse.json()['error']
    assert (await user.http_client.delete('/api/github/token', headers=auth)).status_code == 204


@pytest.fixture
def oauth_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_GITHUB_CLIENT_ID', 'Iv1.emulated')
    monkeypatch.setenv('ESPAZE_GITHUB_CLIENT_SECRET', 'emulated-client-secret')


async def test_oauth_sign_in_links_the_user_who_started_it_once(github: GitHubEmulator, oauth_app: None, user: User):
    auth = await operator(user.http_client)
    start = await user.http_client.get('/api/github/oauth/start', headers=auth)
    url = start.json()['authorizeUrl']
    assert url.startswith(f'{github.base_url}/login/oauth/authorize?client_id=Iv1.emulated') and 'state=' in url
    async with httpx.AsyncClient() as browser:  # GitHub asks the person, then sends the browser back
        back = (await browser.get(url)).headers['location']
    callback = back.split('/api/github/oauth/callback', 1)[1]
    answer = await user.http_client.get(f'/api/github/oauth/callback{callback}')
    assert answer.status_code == 303 and answer.headers['location'] == '/settings?github=linked'
    status = (await user.http_client.get('/api/github/status', headers=auth)).json()
    assert status['state'] == 'linked' and status['kind'] == 'oauth' and status['login'] == 'octo-oauth'
    replay = await user.http_client.get(f'/api/github/oauth/callback{callback}')
    assert replay.headers['location'] == '/settings?github=failed'


@pytest.mark.parametrize('cookie', [None, 'a-nonce-of-the-victims-own'])
async def test_a_sign_in_started_by_someone_else_links_nothing_in_the_victims_browser(
    github: GitHubEmulator, oauth_app: None, user: User, cookie: str | None
):
    """An attacker starts the flow and sends the GitHub link to a victim: the victim's browser lacks the attacker's
    browser cookie, so the callback links no GitHub account to the attacker's Espaze account."""
    attacker = await operator(user.http_client, 'mallory@example.com')
    start = await user.http_client.get('/api/github/oauth/start', headers=attacker)
    assert 'espaze_github_oauth' in start.headers['set-cookie'] and 'HttpOnly' in start.headers['set-cookie']
    async with httpx.AsyncClient() as victim_at_github:
        back = (await victim_at_github.get(start.json()['authorizeUrl'])).headers['location']
    callback = back.split('/api/github/oauth/callback', 1)[1]
    user.http_client.cookies.clear()  # the victim's browser: not the attacker's cookie
    if cookie is not None:
        user.http_client.cookies.set('espaze_github_oauth', cookie, path='/api/github/oauth/callback')
    answer = await user.http_client.get(f'/api/github/oauth/callback{callback}')
    assert answer.headers['location'] == '/settings?github=failed'
    assert (await user.http_client.get('/api/github/status', headers=attacker)).json()['state'] == 'none'
    assert github.calls('access_token') == 0


async def test_an_unknown_state_links_nothing(github: GitHubEmulator, oauth_app: None, user: User):
    auth = await operator(user.http_client)
    answer = await user.http_client.get('/api/github/oauth/callback?code=abc&state=forged')
    assert answer.headers['location'] == '/settings?github=failed'
    assert (await user.http_client.get('/api/github/status', headers=auth)).json()['state'] == 'none'
    assert github.calls('access_token') == 0


async def test_oauth_is_refused_when_not_configured(github: GitHubEmulator, user: User):
    auth = await operator(user.http_client)
    response = await user.http_client.get('/api/github/oauth/start', headers=auth)
    assert response.status_code == 409 and 'not configured' in response.json()['error']
    assert (await user.http_client.get('/api/github/status', headers=auth)).json()['oauthAvailable'] is False


OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def rotated_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ENCRYPTION_KEY', f'{NEW_KEY}, {OLD_KEY}')


async def test_a_credential_sealed_with_an_older_key_is_used_and_resealed_with_the_newest(
    github: GitHubEmulator, rotated_keys: None, user: User, mongo_url: str
):
    auth = await operator(user.http_client)
    token = classic_token()
    github.add_user(token, 'octocat')
    github.add_repo('octocat/app', private=True)
    await link(user.http_client, auth, token)
    client = MongoClient(mongo_url)
    tokens = client.get_default_database()['github_tokens']
    tokens.update_one({}, {'$set': {'ciphertext': Fernet(OLD_KEY).encrypt(token.encode())}})
    assert (await user.http_client.get('/api/github/repos/octocat/app/branches', headers=auth)).status_code == 200
    assert Fernet(NEW_KEY).decrypt(tokens.find_one()['ciphertext']).decode() == token
    client.close()
