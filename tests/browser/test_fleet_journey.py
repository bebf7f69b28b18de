"""Enroll a node with the agent, see it online in the table and on the map, stop it, see it go offline."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, expect

from tests.conftest import ROOT
from tests.support.browser_pages import SIZES, listed, no_sideways_scroll, nothing_cut_off, open_page
from tests.support.fleet_setup import admin_session, log_in
from tests.support.running_app import RunningApp, start_app, stop_app

FAST_FLEET = {
    'ESPAZE_ALLOW_PRIVATE_NODE_IPS': 'true',
    'ESPAZE_NODE_OFFLINE_AFTER': '6',
    'ESPAZE_OFFLINE_SWEEP_SECONDS': '1',
    'ESPAZE_HEARTBEAT_INTERVAL_SECONDS': '2',
}


@pytest.fixture
def fast_fleet(tmp_path: Path) -> Iterator[RunningApp]:
    running = start_app(tmp_path / 'data', FAST_FLEET)
    admin_session(running)
    yield running
    stop_app(running)


@pytest.mark.parametrize('size', SIZES)
def test_enroll_with_the_agent_then_watch_the_node_go_online_and_offline(
    browser: Browser, playwright: Playwright, fast_fleet: RunningApp, tmp_path: Path, screenshot_dir: Path, size: str
):
    page, errors = open_page(browser, playwright, size)
    log_in(page, fast_fleet)
    page.goto(fast_fleet.base_url + '/nodes')
    page.get_by_role('button', name='Add node').click()
    dialog = page.get_by_role('dialog')
    dialog.get_by_label('Latitude').fill('38.72')
    dialog.get_by_label('Longitude').fill('-9.14')
    dialog.get_by_role('button', name='Create enrollment token').click()
    expect(page.get_by_text('Enrollment token created')).to_be_visible()
    command = dialog.get_by_text('--enrollment-token').inner_text()
    nothing_cut_off(page, '.q-dialog .q-field__label, .q-dialog [data-testid], .q-dialog .font-mono', 'Add node')
    assert f'--server {fast_fleet.base_url}' in command and '<' not in command
    assert command.rstrip().endswith('--latitude 38.72 --longitude -9.14')
    page.screenshot(path=screenshot_dir / f'{size}-nodes-add-node.png')
    dialog.get_by_role('button', name='Close').click()
    page.get_by_text('Enrollment tokens', exact=True).click()
    token_row = listed(page, '1 of 1')  # uses left: not used yet
    expect(token_row).to_contain_text('usable', timeout=10_000)

    pasted = command + ' \\\n  --name lisbon-edge'  # pasted into a shell as shown, with a name added
    agent = subprocess.Popen(
        ['bash', '-c', pasted],
        cwd=ROOT,
        env={
            **os.environ,
            'PATH': f'{Path(sys.executable).parent}:{os.environ["PATH"]}',
            'ESPAZE_AGENT_STATE': str(tmp_path / 'state.json'),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        expect(listed(page, 'lisbon-edge')).to_contain_text('online', timeout=25_000)
        expect(page.locator('.js-plotly-plot .scattergeo path.point')).to_have_count(1, timeout=10_000)
        expect(page.get_by_text('Online (1)')).to_be_visible()
        no_sideways_scroll(page, 'the Nodes page')
        page.screenshot(path=screenshot_dir / f'{size}-nodes-online.png', full_page=True)
    finally:
        agent.terminate()  # SIGTERM
        said, _ = agent.communicate(timeout=10)
    assert agent.returncode == 0 and 'stopping on SIGTERM after ' in said and 'beats sent' in said
    used = listed(page, '0 of 1')
    expect(used).to_contain_text('used up or expired', timeout=15_000)  # the list follows without a reload
    expect(listed(page, 'lisbon-edge')).to_contain_text('offline', timeout=30_000)
    expect(page.get_by_text('Offline (1)')).to_be_visible()
    page.screenshot(path=screenshot_dir / f'{size}-nodes-offline.png', full_page=True)

    page.get_by_role('link', name='lisbon-edge').click()
    expect(page.get_by_text('online → offline')).to_be_visible()
    expect(page.locator('.js-plotly-plot .scattergeo path.point')).to_have_count(1)
    no_sideways_scroll(page, 'the node page')
    page.screenshot(path=screenshot_dir / f'{size}-node-detail.png', full_page=True)
    assert errors == []
