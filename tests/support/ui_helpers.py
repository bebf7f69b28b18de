"""Driving the pages as a person would, with NiceGUI's simulated user."""

from nicegui import ui
from nicegui.testing import User

from tests.support.api_helpers import ADMIN_EMAIL, PASSWORD


def press(user: User, label: str) -> None:
    user.find(kind=ui.button, content=label).click()


async def submit_password(user: User, email: str = ADMIN_EMAIL, password: str = PASSWORD, path: str = '/login'):
    """Open the login page (or a page that sends there) and log in with this email and password."""
    await user.open(path)
    user.find('Email').type(email)
    user.find('Password').type(password)
    press(user, 'Log in')


async def log_in(user: User, email: str = ADMIN_EMAIL, password: str = PASSWORD) -> None:
    await submit_password(user, email, password)
    await user.should_see('Dashboard', retries=20)


async def confirm(user: User) -> None:
    """Choose the action in the confirmation dialog that a risky button opens."""
    await user.should_see(marker='confirm action', retries=30)
    user.find(marker='confirm action').click()
