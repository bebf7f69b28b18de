"""panva's oidc-provider (OpenID Certified) under the machine's Node.js, on a free loopback port, as the tests' single
sign-on provider: configured from a JSON file, stopped with the test module. `make test` installs it (npm ci)."""

import json
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from runtime.child_process import free_port

HERE = Path(__file__).resolve().parent / 'oidc-provider'
CLIENT_ID = 'espaze'
CLIENT_SECRET = 'a-client-secret-for-tests-only'


def account(email: str, *groups: str, verified: bool = True, name: str = 'Someone') -> dict:
    return {'email': email, 'email_verified': verified, 'groups': list(groups), 'name': name}


@dataclass
class OpenIdProvider:
    accounts: dict[str, dict]
    redirect_uri: str
    kid: str = 'key-1'
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    output: list[str] = field(default_factory=list)

    @property
    def issuer(self) -> str:
        return f'http://127.0.0.1:{self.port}'

    def start(self) -> 'OpenIdProvider':
        assert (HERE / 'node_modules' / 'oidc-provider').exists(), 'run `make test` (it runs npm ci for the provider)'
        client = {
            'client_id': CLIENT_ID,
            'client_secret': CLIENT_SECRET,
            'redirect_uris': [self.redirect_uri],
            'response_types': ['code'],
            'grant_types': ['authorization_code'],
        }
        config = {'port': self.port, 'kid': self.kid, 'clients': [client], 'accounts': self.accounts}
        with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as file:
            json.dump(config, file)
        self.process = subprocess.Popen(
            ['node', 'provider.mjs', file.name], cwd=HERE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        threading.Thread(target=lambda: self.output.extend(self.process.stdout), daemon=True).start()
        deadline = time.monotonic() + 30
        while not any(line.startswith('listening') for line in self.output):
            assert self.process.poll() is None, f'the provider exited: {self.output}'
            assert time.monotonic() < deadline, f'the provider did not start: {self.output}'
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def restart_with_new_key(self, kid: str) -> None:
        """The provider comes back on the same address signing with a new key (what a key rotation looks like)."""
        self.stop()
        self.kid, self.output = kid, []
        self.start()

    def tamper(self, claims: dict | None = None, unknown_key: bool = False) -> None:
        """From now on, ID tokens from the token endpoint carry `claims` changed (or are signed with a key the
        provider never published); `tamper()` goes back to honest tokens."""
        body = {'claims': claims, 'unknownKey': unknown_key} if claims or unknown_key else {}
        assert httpx.post(f'{self.issuer}/__test/tamper', json=body, timeout=5).status_code == 204

    def change_account(self, account_id: str, claims: dict) -> None:
        self.accounts[account_id] = claims
        answer = httpx.post(f'{self.issuer}/__test/accounts', json={account_id: claims}, timeout=5)
        assert answer.status_code == 204

    def settings(self, **more: str) -> dict[str, str]:
        """What Espaze is started with to use this provider."""
        return {
            'ESPAZE_OIDC_ISSUER': self.issuer,
            'ESPAZE_OIDC_CLIENT_ID': CLIENT_ID,
            'ESPAZE_OIDC_CLIENT_SECRET': CLIENT_SECRET,
            'ESPAZE_OIDC_NAME': 'Test provider',
            'ESPAZE_OIDC_SCOPES': 'openid email profile groups',
            'ESPAZE_OIDC_ROLE_MAP': 'espaze-admins=admin,espaze-operators=operator',
            **more,
        }
