"""The deployment page follows the deployment without a reload, offers only what fits its state, asks before what
disrupts, and says why a log is empty; the wizard deploys a prebuilt image with no repository at all."""

import pytest
from nicegui import ui
from nicegui.testing import User

from tests.support.deployment_helpers import NGINX, body, create, linked_operator, until
from tests.support.github_emulator import GitHubEmulator
from tests.support.github_helpers import operator
from tests.support.ui_helpers import confirm, log_in, press


@pytest.fixture(autouse=True)
def engine_driven_by_the_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ROLLOUT_INTERVAL_SECONDS', '60')


def _buttons(user: User) -> set[str]:
    return {b.text for b in user.find(kind=ui.button).elements if b.visible and b.text}


async def _running_web_page(user: User, github: GitHubEmulator) -> tuple[dict, str]:
    """An operator's running `web` (a prebuilt image, one replica), its page open; (auth, its id)."""
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=1))
    await until(user.http_client, auth, deployment_id, {'running'})
    await log_in(user, 'dev@example.com')
    await user.open(f'/deployments/{deployment_id}')
    await user.should_see('1 of 1 replicas ready', retries=30)
    return auth, deployment_id


async def test_stop_and_start_follow_the_deployment_without_a_reload(github: GitHubEmulator, user: User):
    auth, deployment_id = await _running_web_page(user, github)
    await user.should_see(marker='step building skipped')
    await user.should_see('skipped: prebuilt image')
    await user.should_see(marker='step running done')
    assert {'Restart', 'Stop', 'Redeploy', 'Delete'} <= _buttons(user) and 'Start' not in _buttons(user)

    press(user, 'Stop')
    await user.should_see('Stop web? All its pods are removed (0 replicas) until you start it again.', retries=30)
    await confirm(user)
    await user.should_see('Stopping web', retries=30)
    await until(user.http_client, auth, deployment_id, {'stopped'})
    await user.should_see(marker='step running stopped', retries=40)  # the page's own timer, no reload
    await user.should_see('stopped: 0 replicas')
    offered = _buttons(user)
    assert 'Start' in offered and not {'Stop', 'Restart', 'Cancel rollout'} & offered

    press(user, 'Start')
    await user.should_see('Starting web', retries=30)
    await until(user.http_client, auth, deployment_id, {'running'})
    await user.should_see(marker='step running done', retries=40)
    await user.should_see('Release #3 · runs release #3', retries=40)
    assert {'Stop', 'Restart'} <= _buttons(user)
    user.find('Releases').click()
    await user.should_see(marker='release 3', retries=30)  # the releases panel followed too
    press(user, 'Redeploy')
    await user.should_see(f'Applying {NGINX} again', retries=30)  # not "Building the latest commit"
    [events] = user.find(marker='events').elements
    assert events.props['pagination']['rowsPerPage'] == 10 and not events.props['hide-pagination']  # paged


async def test_a_refused_confirmation_changes_nothing(github: GitHubEmulator, user: User):
    auth, deployment_id = await _running_web_page(user, github)
    press(user, 'Restart')
    await user.should_see('Restart web? Its pods are replaced one by one.', retries=30)
    user.find(kind=ui.button, content='No, keep it').click()
    await user.should_not_see('Restarting the pods of web', retries=10)
    found = (await user.http_client.get(f'/api/deployments/{deployment_id}', headers=auth)).json()
    assert found['status'] == 'running' and len(found['history']) == 3


async def test_empty_logs_say_why(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=0))
    await until(user.http_client, auth, deployment_id, {'stopped', 'running'})
    await log_in(user, 'dev@example.com')
    await user.open(f'/deployments/{deployment_id}')
    await user.should_see('No pods run yet: their log appears here when the first one starts.', retries=30)
    user.find('Build log').click()
    await user.should_see(f'No build: this deployment runs the prebuilt image {NGINX}.', retries=30)


async def test_the_wizard_deploys_a_prebuilt_image_without_any_repository(user: User):
    auth = await operator(user.http_client, 'dev@example.com')  # no GitHub account linked
    await log_in(user, 'dev@example.com')
    await user.open('/deployments/new')
    await user.should_see('No GitHub account is linked', retries=30)
    [deploy] = user.find(kind=ui.button, content='Deploy').elements
    assert not deploy.enabled
    [way] = user.find(ui.toggle).elements
    way.value = 'image'  # "From a prebuilt image"
    await user.should_see('Give the image to run', retries=20)
    user.find('Name').type('hello')
    user.find(marker='image').type(NGINX)
    await user.should_not_see('Give the image to run', retries=20)
    assert deploy.enabled
    press(user, 'Deploy')
    await user.should_see('hello created', retries=30)
    [created] = (await user.http_client.get('/api/deployments', headers=auth)).json()['items']
    assert created['githubRepo'] == '' and created['configuration']['image'] == NGINX
    assert created['name'] == 'hello' and not created['configuration']['autoDeploy']
    await user.should_see(NGINX, retries=30)  # the page names its source


async def test_a_prebuilt_deployment_changes_its_image_on_the_configuration_tab(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=1))
    await until(user.http_client, auth, deployment_id, {'running'})
    await log_in(user, 'dev@example.com')
    await user.open(f'/deployments/{deployment_id}')
    user.find('Configuration').click()
    await user.should_see('Save and roll out', retries=30)
    user.find(marker='image').clear().type('nginxinc/nginx-unprivileged:1.28')
    press(user, 'Save and roll out')
    await user.should_see('Configuration saved: rolling it out', retries=30)
    found = await until(user.http_client, auth, deployment_id, {'running'})
    assert found['image'] == found['configuration']['image'] == 'nginxinc/nginx-unprivileged:1.28'
    releases = (await user.http_client.get(f'/api/deployments/{deployment_id}/releases', headers=auth)).json()
    assert releases[0]['note'] == 'Image changed to nginxinc/nginx-unprivileged:1.28'


async def test_a_question_stays_open_while_the_page_follows_a_change_made_elsewhere(github: GitHubEmulator, user: User):
    auth, deployment_id = await _running_web_page(user, github)
    press(user, 'Stop')
    await user.should_see('Stop web? All its pods are removed', retries=30)
    scaled = await user.http_client.post(
        f'/api/deployments/{deployment_id}/scale', json={'replicas': 2}, headers=auth
    )  # someone else, meanwhile
    assert scaled.status_code == 200
    await user.should_see('Release #2', retries=40)  # the page redrew its operations
    await confirm(user)  # the question is still there, and still works
    await user.should_see('Stopping web', retries=30)
    found = await until(user.http_client, auth, deployment_id, {'stopped'})
    assert found['release'] == 3
