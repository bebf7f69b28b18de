"""The Account page's API tokens: created with chosen scopes and shown once, listed, revoked at once."""

from nicegui import ui
from nicegui.testing import User

from tests.support.api_helpers import admin_tokens
from tests.support.ui_helpers import confirm, log_in, press

DEPLOY_BOX = 'deploy: create, redeploy, scale, restart, roll back, cancel'


async def test_a_token_made_on_the_account_page_works_is_shown_once_and_stops_when_revoked(user: User):
    await admin_tokens(user.http_client)
    await log_in(user)
    await user.open('/account')
    await user.should_see('No API tokens yet.')
    user.find('Token name').type('GitHub Actions')
    user.find(kind=ui.checkbox, content=DEPLOY_BOX).click()
    press(user, 'Create token')
    await user.should_see(marker='new api token', retries=30)
    secret = next(iter(user.find(marker='new api token').elements)).text
    assert secret.startswith('espat_')
    header = {'Authorization': f'Bearer {secret}'}
    assert (await user.http_client.get('/api/nodes', headers=header)).status_code == 200

    table = user.find(kind=ui.table, marker='api tokens')
    (row,) = next(iter(table.elements)).rows
    assert (row['name'], row['scopes']) == ('GitHub Actions', 'read, deploy')
    assert secret not in str(row)
    table.trigger('revoke', {'id': row['id'], 'name': row['name']})
    await confirm(user)
    await user.should_see('No API tokens yet.', retries=30)
    await user.should_not_see(marker='new api token')
    assert (await user.http_client.get('/api/nodes', headers=header)).status_code == 401
