"""The cluster in the pages: the status card on the Dashboard, and the banner while the sandbox stands in."""

import pytest
from nicegui.testing import User

from pages.components.cluster_status import SANDBOX_BANNER
from tests.support.api_helpers import admin_tokens
from tests.support.ui_helpers import log_in


async def test_the_dashboard_shows_the_clusters_status_without_a_banner_for_a_real_cluster(user: User):
    await admin_tokens(user.http_client)
    await log_in(user)
    await user.should_see('3 of 3 nodes ready', retries=30)
    await user.should_see('metrics available')
    await user.should_see('Kubernetes v1.31.0-espaze-sandbox')
    await user.should_not_see(SANDBOX_BANNER)


@pytest.fixture
def sandbox_cluster_for_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv('KUBECONFIG')
    monkeypatch.setenv('ESPAZE_CLUSTER', 'auto')  # no KUBECONFIG, not in a cluster: the sandbox


async def test_with_no_cluster_configured_the_sandbox_is_used_and_says_so(sandbox_cluster_for_the_app, user: User):
    await admin_tokens(user.http_client)
    await log_in(user)
    await user.should_see(SANDBOX_BANNER, retries=30)
    await user.should_see('3 of 3 nodes ready', retries=30)
    await user.should_see('sandbox')
    await user.open('/settings')
    await user.should_see(SANDBOX_BANNER, retries=30)
