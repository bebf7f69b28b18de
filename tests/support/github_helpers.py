"""Helpers for the GitHub tests: tokens of GitHub's shape, and a signed-in user with a linked account."""

import secrets
import string

import httpx
from pymongo import MongoClient

from tests.support.api_helpers import admin_tokens, bearer, signup


def classic_token() -> str:
    """A token of GitHub's classic shape: `ghp_` and 36 letters and digits."""
    return 'ghp_' + ''.join(secrets.choice(string.ascii_letters + string.digits) for _ in range(36))


async def operator(client: httpx.AsyncClient, email: str = 'dev@example.com') -> dict[str, str]:
    """The auth header of a fresh operator."""
    await admin_tokens(client)
    return bearer(await signup(client, email))


async def link(client: httpx.AsyncClient, auth: dict[str, str], token: str) -> dict:
    response = await client.put('/api/github/token', json={'token': token}, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def token_docs(mongo_url: str) -> list[dict]:
    client = MongoClient(mongo_url, serverSelectionTimeoutMS=5000)
    try:
        return list(client.get_default_database()['github_tokens'].find())
    finally:
        client.close()
