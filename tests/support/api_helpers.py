"""Small helpers for driving the API inside NiceGUI's simulated app."""

import httpx
from nicegui import app

from services.registry import Services

PASSWORD = 'correct horse battery'
ADMIN_EMAIL = 'admin@example.com'


def services() -> Services:
    """The app's services; call `await started()` first when startup must be finished."""
    return app.state.services


async def started() -> Services:
    """The app's services once its startup work (indexes, first admin, setup token) is done."""
    await app.state.services.health.wait_started()
    return app.state.services


def bearer(tokens: dict) -> dict[str, str]:
    return {'Authorization': f'Bearer {tokens["accessToken"]}'}


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict:
    response = await client.post('/api/auth/login', json={'email': email, 'password': password})
    assert response.status_code == 200, response.text
    return response.json()


async def admin_tokens(client: httpx.AsyncClient) -> dict:
    """Create the first admin the headless way, and log in as it."""
    await (await started()).auth.bootstrap_admin(ADMIN_EMAIL, PASSWORD)
    return await login(client, ADMIN_EMAIL)


async def signup(client: httpx.AsyncClient, email: str, name: str = 'Someone') -> dict:
    response = await client.post('/api/auth/register', json={'email': email, 'password': PASSWORD, 'name': name})
    assert response.status_code == 201, response.text
    return await login(client, email)
