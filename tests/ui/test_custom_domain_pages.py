"""The Configuration tab's custom domains with NiceGUI's simulated user, in Gateway API mode with cert-manager:
add a domain, see its DNS records and state, check it against the tests' DNS server, watch its certificate become
ready; a taken domain is refused with the reason; a viewer sees the states without the controls."""

import asyncio

import pytest
from nicegui import ui
from nicegui.testing import User

from tests.support.api_helpers import admin_tokens, bearer, signup, started
from tests.support.cluster_helpers import gateway_exists, gateway_mode_with_certificates
from tests.support.deployment_helpers import NGINX, body, create, linked_operator, until
from tests.support.dns_server import LoopbackDnsServer
from tests.support.github_emulator import GitHubEmulator
from tests.support.ui_helpers import confirm, log_in


@pytest.fixture(autouse=True)
def gateway_with_certificates(monkeypatch: pytest.MonkeyPatch) -> None:
    gateway_mode_with_certificates(monkeypatch, ESPAZE_EDGE_ADDRESS='203.0.113.7')


def record_rows(user: User, domain: str) -> list[dict]:
    tables = [t for t in user.find(ui.table).elements if any(str(r.get('name', '')).endswith(domain) for r in t.rows)]
    return tables[0].rows


async def test_a_domain_is_added_checked_and_becomes_ready_on_the_configuration_tab(
    github: GitHubEmulator, user: User, dns_server: LoopbackDnsServer
):
    await gateway_exists((await started()).cluster)
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=1))
    await until(user.http_client, auth, deployment_id, {'running'})
    await log_in(user, 'dev@example.com')
    await user.open(f'/deployments/{deployment_id}')
    await user.should_see('Hosts and certificates', retries=30)
    await user.should_see('No custom domain yet.')
    user.find(marker='new domain').type('WWW.Example.org')
    user.find('Add domain').click()
    await user.should_see('www.example.org added: create its DNS records', retries=30)
    await user.should_see(marker='state www.example.org', retries=30)
    rows = record_rows(user, 'www.example.org')
    assert [(r['type'], r['name']) for r in rows] == [
        ('TXT', '_espaze-challenge.www.example.org'),
        ('A', 'www.example.org'),
    ]
    assert rows[1]['value'] == '203.0.113.7' and rows[0]['value'].startswith('espaze-verification=')
    [badge] = user.find(marker='state www.example.org').elements
    assert badge.text == 'unverified'

    user.find('Check DNS').click()
    await user.should_see(marker='problem www.example.org', retries=30)
    [problem] = user.find(marker='problem www.example.org').elements
    assert problem.text == 'Last check: no TXT record at _espaze-challenge.www.example.org yet'

    dns_server.txt['_espaze-challenge.www.example.org'] = [rows[0]['value']]
    user.find('Check DNS').click()
    await user.should_see('www.example.org is verified', retries=30)
    await user.should_see('verified by DNS', retries=30)
    found = (await user.http_client.get(f'/api/deployments/{deployment_id}/domains', headers=auth)).json()
    assert found['domains'][0]['state'] in ('certificate pending', 'ready')

    for _ in range(300):  # cert-manager issues meanwhile; the open page follows it, without a reload
        if user.find(marker='state www.example.org').elements.pop().text == 'ready':
            break
        await asyncio.sleep(0.1)
    assert user.find(marker='state www.example.org').elements.pop().text == 'ready'
    await user.should_see(marker='certificate www.example.org')

    other = await linked_operator(user.http_client, github, 'other@example.com')
    await create(user.http_client, other, body(name='rival', image=NGINX, replicas=1, domains=['taken.example.org']))
    user.find(marker='new domain').clear().type('taken.example.org')
    user.find('Add domain').click()
    await user.should_see('taken.example.org is claimed by another deployment', retries=30)
    await user.should_not_see(marker='domain taken.example.org')

    user.find('Remove').click()
    await confirm(user)
    await user.should_see('www.example.org removed', retries=30)
    await user.should_not_see(marker='domain www.example.org', retries=30)
    found = (await user.http_client.get(f'/api/deployments/{deployment_id}', headers=auth)).json()
    assert found['configuration']['domains'] == []


async def test_a_viewer_sees_domains_without_their_controls(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(
        user.http_client, auth, body(name='web', image=NGINX, replicas=1, domains=['shop.example.org'])
    )
    admin = bearer(await admin_tokens(user.http_client))
    await signup(user.http_client, 'v@example.com', 'Vera')
    users = (await user.http_client.get('/api/users', headers=admin)).json()['items']
    viewer_id = next(u['id'] for u in users if u['email'] == 'v@example.com')
    await user.http_client.patch(f'/api/users/{viewer_id}', json={'role': 'viewer'}, headers=admin)
    await log_in(user, 'v@example.com')
    await user.open(f'/deployments/{deployment_id}')
    await user.should_see(marker='state shop.example.org', retries=30)
    await user.should_see('unverified')
    for control in ('Check DNS', 'Mark verified', 'Remove', 'Add domain'):
        await user.should_not_see(control)
