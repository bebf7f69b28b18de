"""Codes as an authenticator app shows them, and turning two-factor on through the API."""

import time

import httpx
import pyotp


def code_at(secret: str, steps_from_now: int) -> str:
    """The code of the time step `steps_from_now` away (the server accepts -1, 0 and +1, each once)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_from_now)


def clear_of_a_step_edge() -> None:
    """Return once the current 30-second step has over two seconds left, so a code made now is checked in it."""
    while 30 - time.time() % 30 < 2:
        time.sleep(0.2)


async def turn_on(client: httpx.AsyncClient, auth: dict) -> tuple[str, list[str]]:
    """Set up two-factor for the account of `auth`, confirming with the previous step's code; the secret and the
    recovery codes. Codes of the current and the next step are then still unused."""
    started = await client.post('/api/auth/totp', headers=auth)
    assert started.status_code == 200, started.text
    secret = started.json()['secret']
    clear_of_a_step_edge()
    confirmed = await client.post('/api/auth/totp/confirm', json={'code': code_at(secret, -1)}, headers=auth)
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()['recoveryCodes']
