"""No 500 from input: out-of-range integers and dates on every listing, and odd URLs."""

import pytest
from nicegui.testing import User

from tests.support.api_helpers import admin_tokens, bearer

PATHS = [
    '/api/deployments?page=1e30',
    '/api/deployments?page=100000000000000000000',
    '/api/deployments?page=9223372036854775807',
    '/api/deployments?pageSize=-1',
    '/api/audit?page=1e30',
    '/api/audit?page=9223372036854775807',
    '/api/users?page=9223372036854775807',
    '/api/nodes?page=9223372036854775807',
    '/api/metrics/history?to=0001-01-01T00:00:00Z',
    '/api/metrics/history?from=9999-12-31T23:59:59Z',
    '/api/metrics/history?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z',
]


@pytest.mark.parametrize('path', PATHS)
async def test_out_of_range_numbers_and_dates_are_a_clear_4xx(path: str, user: User):
    admin = bearer(await admin_tokens(user.http_client))
    answer = await user.http_client.get(path, headers=admin)
    assert answer.status_code == 422, (answer.status_code, answer.text[:200])
    assert answer.json()['fields']
