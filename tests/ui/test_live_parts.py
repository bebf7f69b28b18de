"""The live parts of the deployment page send only what changed: the pod choices when the pods changed, the steps
whole only when a step's state changed (otherwise just the time of each)."""

import dataclasses
from datetime import UTC, datetime, timedelta

from nicegui import ui
from nicegui.testing import User

from models.deployments import Deployment, DeploymentRequest, Status, StatusChange
from pages.components.deployment_logs import AppLogPanel
from pages.components.deployment_steps import StepsView
from tests.support.api_helpers import admin_tokens
from tests.support.ui_helpers import log_in

START = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


async def _signed_in(user: User) -> None:
    """Pages open only once Espaze is set up and someone is logged in."""
    await admin_tokens(user.http_client)
    await log_in(user)


async def test_the_pod_choices_are_sent_only_when_the_pods_change(user: User):
    await _signed_in(user)
    pods = {'names': ['web-1-aaaaa']}
    sent: list[dict] = []

    async def list_pods() -> list[str]:
        return list(pods['names'])

    async def logs(pod: str | None, tail: int) -> str:
        return f'hello from {pod}'

    @ui.page('/test-app-log')
    async def app_log_page() -> None:
        panel = AppLogPanel(list_pods, logs, 'web.log')
        choose = panel._pod.set_options
        panel._pod.set_options = lambda options, **kwargs: sent.append(options) or choose(options, **kwargs)
        await panel.load()
        await panel.load()
        await panel.load()
        pods['names'] = ['web-1-aaaaa', 'web-1-bbbbb']
        await panel.load()
        await panel.load()
        pods['names'] = []
        await panel.load()

    await user.open('/test-app-log')
    await user.should_see('No pods run yet: their log appears here when the first one starts.')
    assert [list(options) for options in sent] == [
        ['*', 'web-1-aaaaa'],
        ['*', 'web-1-aaaaa', 'web-1-bbbbb'],
        ['*'],
    ]


def _prebuilt(*changes: tuple[Status, int]) -> Deployment:
    request = dataclasses.replace(DeploymentRequest('web', '', ''), image='nginx:1')
    history = [StatusChange(status, '', START + timedelta(seconds=second)) for status, second in changes]
    new = Deployment.new('o1', request, None, START)
    return dataclasses.replace(new, status=history[-1].status, history=history, image='nginx:1')


async def test_the_steps_keep_their_elements_while_only_the_time_goes_on(user: User):
    await _signed_in(user)
    seen: dict[str, object] = {}

    @ui.page('/test-steps')
    def steps_page() -> None:
        steps = StepsView()
        deploying = _prebuilt((Status.PENDING, 0), (Status.DEPLOYING, 0))
        steps.show(deploying, START + timedelta(seconds=3))
        seen['first'] = list(steps._row.default_slot.children)
        steps.show(deploying, START + timedelta(seconds=5))
        seen['ticked'] = list(steps._row.default_slot.children)
        steps.show(
            _prebuilt((Status.PENDING, 0), (Status.DEPLOYING, 0), (Status.RUNNING, 7)), START + timedelta(seconds=8)
        )
        seen['ran'] = list(steps._row.default_slot.children)

    await user.open('/test-steps')
    await user.should_see(marker='step running done')
    await user.should_see('ready after 7 s')
    await user.should_not_see('5 s')
    assert seen['first'] == seen['ticked']  # the same elements: only a label's text was sent again
    assert not set(map(id, seen['first'])) & set(map(id, seen['ran']))  # a state changed: drawn again
