"""Custom domains through the API, on the sandbox in Gateway API mode with cert-manager: a domain is claimed
across owners, stays unverified (and unrouted) until its TXT record holds the token, as the tests' DNS server
answers through dnspython; then the HTTPRoute carries it and its certificate becomes Ready. Admins may verify by
hand; bad names get a 422 naming the field; a removed or deleted domain is free again."""

import pytest
from nicegui.testing import User

from services.cluster.custom_objects import CERTIFICATES, HTTP_ROUTES
from tests.support.api_helpers import admin_tokens, bearer, started
from tests.support.cluster_helpers import eventually, gateway_exists, gateway_mode_with_certificates
from tests.support.deployment_helpers import NGINX, body, create, linked_operator, until
from tests.support.dns_server import LoopbackDnsServer
from tests.support.github_emulator import GitHubEmulator


@pytest.fixture(autouse=True)
def gateway_with_certificates(monkeypatch: pytest.MonkeyPatch) -> None:
    gateway_mode_with_certificates(monkeypatch, ESPAZE_DNS_TIMEOUT_SECONDS='1')


async def listed(kind, namespace: str) -> list[dict]:
    cluster = (await started()).cluster
    custom = cluster.gateway.custom
    return (await cluster.gateway.call(custom.list_namespaced_custom_object, *kind.at(namespace)))['items']


async def domains(client, auth: dict, deployment_id: str) -> dict:
    response = await client.get(f'/api/deployments/{deployment_id}/domains', headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


async def running_shop(client, github: GitHubEmulator, **configuration) -> tuple[dict, str, dict]:
    await gateway_exists((await started()).cluster)
    auth = await linked_operator(client, github)
    deployment_id = await create(client, auth, body(name='shop', image=NGINX, replicas=1, **configuration))
    found = await until(client, auth, deployment_id, {'running', 'failed'})
    assert found['status'] == 'running', found['statusReason']
    return auth, deployment_id, found


async def test_a_domain_verified_through_dns_is_routed_with_a_ready_certificate(
    github: GitHubEmulator, user: User, dns_server: LoopbackDnsServer
):
    client = user.http_client
    auth, deployment_id, found = await running_shop(client, github, domains=['Shop.Example.COM.'])
    assert found['configuration']['domains'] == ['shop.example.com']
    (domain,) = (await domains(client, auth, deployment_id))['domains']
    assert domain['state'] == 'unverified' and domain['problem'] is None
    txt, cname = domain['records']
    assert txt['type'] == 'TXT' and txt['name'] == '_espaze-challenge.shop.example.com'
    assert txt['value'].startswith('espaze-verification=') and len(txt['value']) > 40
    assert cname == {'type': 'CNAME', 'name': 'shop.example.com', 'value': 'shop.apps.espaze.localhost'}
    (route,) = await listed(HTTP_ROUTES, found['namespace'])
    assert route['spec']['hostnames'] == ['shop.apps.espaze.localhost']  # not routed while unverified

    checked = await client.post(f'/api/deployments/{deployment_id}/domains/shop.example.com/check', headers=auth)
    assert checked.status_code == 200 and checked.json()['state'] == 'unverified'
    assert 'no TXT record at _espaze-challenge.shop.example.com' in checked.json()['problem']
    assert '_espaze-challenge.shop.example.com' in dns_server.questions

    dns_server.txt['_espaze-challenge.shop.example.com'] = ['espaze-verification=someone-else']
    checked = await client.post(f'/api/deployments/{deployment_id}/domains/shop.example.com/check', headers=auth)
    assert 'holds another value' in checked.json()['problem']

    dns_server.txt['_espaze-challenge.shop.example.com'] = ['v=spf1 -all', txt['value']]
    checked = await client.post(f'/api/deployments/{deployment_id}/domains/shop.example.com/check', headers=auth)
    assert checked.status_code == 200, checked.text
    assert checked.json()['state'] in ('certificate pending', 'ready') and checked.json()['verifiedBy'] == 'dns'
    (route,) = await listed(HTTP_ROUTES, found['namespace'])
    assert route['spec']['hostnames'] == ['shop.apps.espaze.localhost', 'shop.example.com']
    certificates = await listed(CERTIFICATES, found['namespace'])
    assert sorted(c['spec']['dnsNames'][0] for c in certificates) == ['shop.apps.espaze.localhost', 'shop.example.com']

    ready = await eventually(
        lambda: domains(client, auth, deployment_id), lambda d: d['domains'][0]['state'] == 'ready'
    )
    assert ready['domains'][0]['certificate']['ready'] and ready['domains'][0]['certificate']['reason'] == 'Ready'
    assert [(c['host'], c['ready']) for c in ready['certificates']] == [
        ('shop.apps.espaze.localhost', True),
        ('shop.example.com', True),
    ]
    await client.post(f'/api/deployments/{deployment_id}/redeploy', headers=auth)  # a rollout keeps it routed
    await until(client, auth, deployment_id, {'running', 'failed'})
    (route,) = await listed(HTTP_ROUTES, found['namespace'])
    assert 'shop.example.com' in route['spec']['hostnames']


async def test_domains_are_claimed_across_owners_and_freed_when_removed(github: GitHubEmulator, user: User):
    client = user.http_client
    auth, deployment_id, _ = await running_shop(client, github, domains=['shop.example.com'])
    other = await linked_operator(client, github, 'other@example.com')
    taken = await client.post(
        '/api/deployments', json=body(name='rival', image=NGINX, domains=['shop.example.com']), headers=other
    )
    assert taken.status_code == 409 and 'shop.example.com' in taken.json()['error']
    rivals = (await client.get('/api/deployments', headers=other)).json()['items']
    assert rivals == []  # nothing was made
    assert (await client.get(f'/api/deployments/{deployment_id}/domains', headers=other)).status_code == 404

    removed = await client.patch(f'/api/deployments/{deployment_id}', json={'domains': []}, headers=auth)
    assert removed.status_code == 200 and removed.json()['configuration']['domains'] == []
    assert (await domains(client, auth, deployment_id))['domains'] == []
    rival = await create(client, other, body(name='rival', image=NGINX, domains=['shop.example.com']))
    assert (await domains(client, other, rival))['domains'][0]['domain'] == 'shop.example.com'
    again = await client.patch(
        f'/api/deployments/{deployment_id}', json={'domains': ['shop.example.com']}, headers=auth
    )
    assert again.status_code == 409
    assert (await client.get(f'/api/deployments/{deployment_id}', headers=auth)).json()['configuration'][
        'domains'
    ] == []

    assert (await client.delete(f'/api/deployments/{rival}', headers=other)).status_code == 204
    freed = await client.patch(
        f'/api/deployments/{deployment_id}', json={'domains': ['shop.example.com']}, headers=auth
    )
    assert freed.status_code == 200, freed.text


async def test_names_that_are_not_domains_or_are_espazes_own_are_refused(github: GitHubEmulator, user: User):
    client = user.http_client
    auth, deployment_id, _ = await running_shop(client, github)
    await create(client, await linked_operator(client, github, 'b@example.com'), body(name='blog', image=NGINX))
    for bad in (
        ['*.example.com'],
        ['10.0.0.1'],
        ['[::1]'],
        ['under_score.example.com'],
        ['localhost'],
        ['example.123'],
        ['a.example.com', 'A.example.com.'],
        [f'd{n}.example.com' for n in range(11)],
        ['apps.espaze.localhost'],
        ['shop.apps.espaze.localhost'],
        ['api.blog.apps.espaze.localhost'],
    ):
        response = await client.patch(
            f'/api/deployments/{deployment_id}', json={'domains': bad, 'port': 0}, headers=auth
        )
        assert response.status_code == 422, (bad, response.text)
        fields = {e['field'] for e in response.json()['fields']}
        assert 'configuration.domains' in fields, (bad, response.text)
    current = (await client.get(f'/api/deployments/{deployment_id}', headers=auth)).json()
    assert current['configuration']['domains'] == [] and current['release'] == 1
    own = await client.patch(
        f'/api/deployments/{deployment_id}', json={'domains': ['api.shop.apps.espaze.localhost']}, headers=auth
    )
    assert own.status_code == 200, own.text  # under its own generated host


async def test_admins_verify_by_hand_and_others_may_not(
    github: GitHubEmulator, user: User, dns_server: LoopbackDnsServer
):
    client = user.http_client
    auth, deployment_id, found = await running_shop(client, github, domains=['hand.example.com', 'slow.example.com'])
    url = f'/api/deployments/{deployment_id}/domains/hand.example.com'
    assert (await client.post(f'{url}/verified', headers=auth)).status_code == 403
    viewer = bearer(await admin_tokens(client))
    verified = await client.post(f'{url}/verified', headers=viewer)
    assert verified.status_code == 200 and verified.json()['verifiedBy'] == 'admin'
    (route,) = await listed(HTTP_ROUTES, found['namespace'])
    assert 'hand.example.com' in route['spec']['hostnames'] and 'slow.example.com' not in route['spec']['hostnames']
    assert (
        await client.post(f'/api/deployments/{deployment_id}/domains/nope.example.com/check', headers=auth)
    ).status_code == 404

    dns_server.silent.add('_espaze-challenge.slow.example.com')
    slow = await client.post(f'/api/deployments/{deployment_id}/domains/slow.example.com/check', headers=auth)
    assert slow.status_code == 200 and slow.json()['state'] == 'unverified'
    assert slow.json()['problem'] == 'the DNS did not answer within 1 s'
    audit = (await client.get('/api/audit?action=domain.verify', headers=viewer)).json()
    assert any(e.get('details', {}).get('method') == 'admin' for e in audit['items']), audit


async def test_the_job_verifies_a_domain_once_its_record_exists_and_backs_off_while_it_does_not(
    github: GitHubEmulator, user: User, dns_server: LoopbackDnsServer
):
    client = user.http_client
    auth, deployment_id, found = await running_shop(client, github, domains=['auto.example.com', 'later.example.com'])
    records = {d['domain']: d['records'][0] for d in (await domains(client, auth, deployment_id))['domains']}
    dns_server.txt[records['auto.example.com']['name']] = [records['auto.example.com']['value']]
    job = (await started()).domains
    asked = len(dns_server.questions)
    assert await job.check_due() == 2
    assert len(dns_server.questions) == asked + 2
    states = {d['domain']: d for d in (await domains(client, auth, deployment_id))['domains']}
    assert states['auto.example.com']['verifiedBy'] == 'dns' and states['auto.example.com']['state'] != 'unverified'
    assert (
        states['later.example.com']['state'] == 'unverified'
        and 'no TXT record' in states['later.example.com']['problem']
    )
    (route,) = await listed(HTTP_ROUTES, found['namespace'])
    assert 'auto.example.com' in route['spec']['hostnames'] and 'later.example.com' not in route['spec']['hostnames']
    assert await job.check_due() == 0  # the miss waits before it is looked up again; the verified one is done
    assert len(dns_server.questions) == asked + 2
