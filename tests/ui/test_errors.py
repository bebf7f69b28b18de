"""When something breaks, a person sees an apology and a request id, never a stack trace."""

import pytest
from nicegui import ui
from nicegui.testing import User

from pages.layout import frame
from tests.support.api_helpers import ADMIN_EMAIL, PASSWORD, admin_tokens, started
from tests.support.ui_helpers import log_in, press


async def test_a_failing_page_shows_an_apology_without_details(user: User, caplog: pytest.LogCaptureFixture):
    await admin_tokens(user.http_client)
    await log_in(user)

    @ui.page('/test-broken')
    def broken() -> None:
        raise RuntimeError('internal detail that must not be shown')

    response = await user.http_client.get('/test-broken')
    assert response.status_code == 500
    assert 'Something went wrong' in response.text and 'The error was logged as request' in response.text
    assert 'internal detail' not in response.text and 'Traceback' not in response.text
    caplog.clear()  # the error was expected; the user fixture fails a test on unexpected ERROR logs


async def test_a_failing_button_shows_a_notification(user: User, caplog: pytest.LogCaptureFixture):
    await admin_tokens(user.http_client)
    services = await started()
    admin = await services.auth.authenticate(ADMIN_EMAIL, PASSWORD)
    await log_in(user)

    @ui.page('/test-button')
    def page_with_a_broken_button() -> None:
        with frame(services, admin, 'Broken'):
            ui.button('Break', on_click=lambda: 1 / 0)

    await user.open('/test-button')
    press(user, 'Break')
    await user.should_see('Something went wrong. Please try again.')
    caplog.clear()
