"""A GitHub REST API emulator on 127.0.0.1, answering with bodies shaped from recorded GitHub responses.

This module keeps its state and starts it; `tests/github_routes.py` holds the routes.

It keeps users (by token), repositories with branches, commits and files, paginates with `Link` headers, sends
rate-limit headers, and answers 401, 403 (rate limits) and 404 as GitHub does. Tests add data and failures.
"""

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import uvicorn
from fastapi import Request
from fastapi.responses import JSONResponse

from runtime.embedded_db import free_port

FIXTURES = Path(__file__).parent.parent / 'fixtures' / 'github'
RECORDED_HOST = 'https://api.github.com'
NOT_FOUND = {'message': 'Not Found', 'documentation_url': 'https://docs.github.com/rest'}


def recorded(name: str, index: int = 0) -> dict:
    return json.loads((FIXTURES / f'{name}.json').read_text())['exchanges'][index]


def fake_sha(*parts: str) -> str:
    return hashlib.sha1('/'.join(parts).encode()).hexdigest()


@dataclass
class FakeRepo:
    data: dict
    branches: dict[str, str] = field(default_factory=dict)  # name -> head commit sha
    files: dict[str, dict[str, str]] = field(default_factory=dict)  # commit sha -> {path: content}
    collaborators: set[str] = field(default_factory=set)
    hooks: dict[int, dict] = field(default_factory=dict)  # id -> the hook as GitHub shows it, with its secret
    statuses: list[dict] = field(default_factory=list)  # commit statuses in the order they were created
    admins: set[str] | None = None  # who may manage hooks; None: the owner only


@dataclass
class Failure:
    path: re.Pattern
    status: int
    times: int
    headers: dict[str, str]
    body: dict


class GitHubEmulator:
    def __init__(self) -> None:
        self.port = free_port()
        self.base_url = f'http://127.0.0.1:{self.port}'
        self.users: dict[str, dict] = {}  # token -> {'login', 'scopes', 'expires'}
        self.repos: dict[str, FakeRepo] = {}
        self.oauth_codes: dict[str, str] = {}  # code -> token
        self.failures: list[Failure] = []
        self.delay_seconds = 0.0
        self.requests: list[tuple[str, str, str | None]] = []  # method, path with query, token
        self.remaining: dict[str | None, int] = {}
        self.next_hook_id = 257993  # the id GitHub gave in the recorded answer; each new hook takes the next
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # --- test-facing data ---

    def reset(self) -> None:
        self.users.clear()
        self.repos.clear()
        self.oauth_codes.clear()
        self.failures.clear()
        self.requests.clear()
        self.remaining.clear()
        self.delay_seconds = 0.0
        self.next_hook_id = 257993

    def rewrite(self, value):
        return json.loads(json.dumps(value).replace(RECORDED_HOST, self.base_url))

    def add_user(self, token: str, login: str, scopes: str | None = 'repo, read:user', expires: str | None = None):
        self.users[token] = {'login': login, 'scopes': scopes, 'expires': expires}

    def add_repo(
        self,
        full_name: str,
        private: bool = False,
        language: str | None = 'Python',
        default_branch: str = 'main',
        updated_at: str = '2026-01-01T00:00:00Z',
        files: dict[str, str] | None = None,
    ) -> FakeRepo:
        owner, name = full_name.split('/')
        data = self.rewrite(recorded('repo')['body'])
        data.update(
            name=name,
            full_name=full_name,
            private=private,
            language=language,
            default_branch=default_branch,
            updated_at=updated_at,
            pushed_at=updated_at,
            description=f'{name} for tests',
            html_url=f'https://github.com/{full_name}',
            url=f'{self.base_url}/repos/{full_name}',
        )
        data['owner'] = {**data['owner'], 'login': owner, 'url': f'{self.base_url}/users/{owner}'}
        repo = FakeRepo(data)
        self.repos[full_name] = repo
        self.add_branch(full_name, default_branch, files if files is not None else {'Dockerfile': 'FROM python:3.12\n'})
        return repo

    def add_recorded_account(self, token: str) -> list[str]:
        """jacquev6 and the 16 repositories GitHub listed for him (some private), each with a Dockerfile."""
        self.add_user(token, 'jacquev6')
        for item in self.rewrite(recorded('user_repos')['body']):
            item.setdefault('default_branch', item.get('master_branch') or 'master')
            self.repos[item['full_name']] = FakeRepo(item)
            self.add_branch(item['full_name'], item['default_branch'], {'Dockerfile': 'FROM scratch\n'})
        return [item['full_name'] for item in recorded('user_repos')['body']]

    def add_branch(self, full_name: str, branch: str, files: dict[str, str]) -> str:
        sha = fake_sha(full_name, branch, json.dumps(files, sort_keys=True))
        repo = self.repos[full_name]
        repo.branches[branch] = sha
        repo.files[sha] = files
        return sha

    def push(self, full_name: str, branch: str, files: dict[str, str]) -> tuple[str, str]:
        """New commits on a branch: its head moves. Returns (before, after)."""
        before = self.repos[full_name].branches.get(branch, '0' * 40)
        return before, self.add_branch(full_name, branch, files)

    def hooks_of(self, full_name: str) -> list[dict]:
        return list(self.repos[full_name].hooks.values())

    def fail(self, path_pattern: str, status: int, times: int = 1, headers: dict | None = None, body=None) -> None:
        self.failures.append(Failure(re.compile(path_pattern), status, times, headers or {}, body or {}))

    def calls(self, path_pattern: str) -> int:
        return sum(1 for _, path, _ in self.requests if re.search(path_pattern, path))

    def start(self) -> 'GitHubEmulator':
        from tests.support.github_routes import github_api  # the routes module imports this one

        config = uvicorn.Config(github_api(self), host='127.0.0.1', port=self.port, log_level='warning', lifespan='off')
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)

    # --- the emulated API ---

    def administers(self, login: str | None, repo: FakeRepo) -> bool:
        return login is not None and login in (repo.admins or {repo.data['owner']['login']})

    def visible(self, login: str | None, repo: FakeRepo) -> bool:
        return not repo.data['private'] or login in (repo.data['owner']['login'], *repo.collaborators)

    def repo(self, login: str | None, full_name: str) -> FakeRepo | None:
        repo = self.repos.get(full_name)
        return repo if repo is not None and self.visible(login, repo) else None

    def paged(self, request: Request, items: list, headers: dict, wrap=None) -> JSONResponse:
        per_page = min(100, int(request.query_params.get('per_page', 30)))
        page = int(request.query_params.get('page', 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        last = max(1, -(-len(items) // per_page))
        links = []
        for rel, number in (('next', page + 1), ('last', last), ('first', 1), ('prev', page - 1)):
            if (rel in ('next', 'last') and page < last) or (rel in ('first', 'prev') and page > 1):
                query = urlencode({**request.query_params, 'page': number})
                links.append(f'<{self.base_url}{request.url.path}?{query}>; rel="{rel}"')
        if links:
            headers['link'] = ', '.join(links)
        return JSONResponse(wrap(chunk, len(items)) if wrap else chunk, headers=headers)

    def branch(self, repo: FakeRepo, name: str, short: bool) -> dict:
        sha = repo.branches[name]
        full = repo.data['full_name']
        commit = {'sha': sha, 'url': f'{self.base_url}/repos/{full}/commits/{sha}'}
        if short:
            return {'name': name, 'commit': commit, 'protected': name == repo.data['default_branch']}
        body = self.rewrite(recorded('branch')['body'])
        body.update(name=name, protected=name == repo.data['default_branch'])
        body['commit'] = {**body['commit'], **commit}
        body['_links'] = {
            'self': f'{self.base_url}/repos/{full}/branches/{name}',
            'html': f'https://github.com/{full}/tree/{name}',
        }
        return body
