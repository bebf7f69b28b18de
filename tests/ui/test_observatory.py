"""The Observatory with NiceGUI's simulated user: what an operator sees, pause, and no metrics server."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from nicegui import ui
from nicegui.testing import User

from sandbox.process import SandboxProcess
from tests.conftest import write_kubeconfig
from tests.support.api_helpers import admin_tokens, started
from tests.support.deployment_helpers import NGINX, body, create, linked_operator, until
from tests.support.github_emulator import GitHubEmulator
from tests.support.ui_helpers import log_in


@pytest.fixture(autouse=True)
def jobs_driven_by_the_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('ESPAZE_ROLLOUT_INTERVAL_SECONDS', '60')
    monkeypatch.setenv('ESPAZE_METRICS_INTERVAL_SECONDS', '300')


@pytest.fixture(scope='module')
def sandbox_without_metrics(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    process = SandboxProcess(None, None, metrics=False)
    process.start()
    yield write_kubeconfig(tmp_path_factory.mktemp('plain') / 'config', process.url)
    process.stop()


async def test_an_operator_sees_the_cluster_and_their_deployments_use(github: GitHubEmulator, user: User):
    auth = await linked_operator(user.http_client, github)
    deployment_id = await create(user.http_client, auth, body(name='web', image=NGINX, replicas=2))
    await until(user.http_client, auth, deployment_id, {'running'})
    await (await started()).metrics.collect()
    await log_in(user, 'dev@example.com')
    await user.open('/observatory')
    await user.should_see('of 11.4 cores', retries=30)
    await user.should_see('of 45.0 GiB')
    await user.should_see('3 of 3')
    await user.should_not_see('No samples collected yet')
    await user.should_not_see('Fleet: nodes online and offline')  # the whole fleet is for admins and viewers
    [table] = user.find(marker='top deployments').elements
    assert [(row['name'], row['id']) for row in table.rows] == [('web', deployment_id)]
    assert table.rows[0]['cpu'].endswith(' / 0.20') and table.rows[0]['hint']
    assert table.rows[0]['namespace'] == "Someone's apps" and table.rows[0]['pods'] == 2  # not espaze-<id>
    plots = user.find(ui.plotly).elements
    line_charts = [p for p in plots if p.figure['data'] and p.figure['data'][0]['type'] == 'scatter']
    assert len(line_charts) == 3 and all(len(p.figure['data'][0]['x']) == 1 for p in line_charts)
    [ranges] = user.find(ui.toggle).elements
    for wanted in ('7 d', '24 h', '6 h', '15 m'):  # hourly and minute rollups whose only bucket is still filling
        ranges.value = wanted
        for _ in range(50):
            if all(len(p.figure['data'][0]['x']) == 1 for p in line_charts):
                break
            await asyncio.sleep(0.1)
        assert all(len(p.figure['data'][0]['x']) == 1 for p in line_charts), wanted
        assert all(p.figure['layout']['xaxis']['range'] is not None for p in line_charts)  # not the year 2000
        await user.should_not_see('No samples collected yet')


async def test_right_sizing_says_nothing_of_size_for_an_app_that_never_ran(
    github: GitHubEmulator, user: User, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr((await started()).deployments.engine, '_scheduling_patience', 3600)
    auth = await linked_operator(user.http_client, github)
    nowhere = body(name='stuck', image=NGINX, replicas=1, nodeSelector={'topology.kubernetes.io/region': 'mars'})
    deployment_id = await create(user.http_client, auth, nowhere)
    await until(user.http_client, auth, deployment_id, {'deploying'})
    for _ in range(100):  # the cluster makes its pod, which no node takes
        pods = (await user.http_client.get(f'/api/deployments/{deployment_id}/pods', headers=auth)).json()
        if pods:
            break
        await asyncio.sleep(0.1)
    assert [p['phase'] for p in pods] == ['Pending']
    await (await started()).metrics.collect()
    await log_in(user, 'dev@example.com')
    await user.open('/observatory')
    await user.should_see(marker='top deployments', retries=30)
    [table] = user.find(marker='top deployments').elements
    for _ in range(50):
        if table.rows:
            break
        await asyncio.sleep(0.1)
    assert [(row['name'], row['hint']) for row in table.rows] == [
        ('stuck', 'no pod runs yet: nothing measured to size by')
    ]


async def test_pause_stops_the_refresh_and_play_resumes_it(user: User):
    await admin_tokens(user.http_client)
    await log_in(user)
    await user.open('/observatory')
    await user.should_see('Fleet: nodes online and offline', retries=30)
    [timer] = [t for t in user.find(ui.timer).elements if t.interval == 10]
    [button] = user.find(marker='pause').elements
    assert timer.active
    user.find(marker='pause').click()
    await user.should_see('Paused')
    assert not timer.active and button.props['aria-label'] == 'Resume'
    user.find(marker='pause').click()
    await user.should_see('Updated ', retries=30)
    assert timer.active and button.props['aria-label'] == 'Pause'


@pytest.fixture
def cluster_without_metrics(sandbox_without_metrics: Path, monkeypatch: pytest.MonkeyPatch, app_environment: Path):
    monkeypatch.setenv('KUBECONFIG', str(sandbox_without_metrics))


async def test_without_a_metrics_server_the_observatory_says_so(cluster_without_metrics: None, user: User):
    await admin_tokens(user.http_client)
    await log_in(user)
    await user.open('/observatory')
    await user.should_see('Metrics server unavailable: CPU and memory use are not measured', retries=30)
    await user.should_see('unmeasured of 11.4 cores')
