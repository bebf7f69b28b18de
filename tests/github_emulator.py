"""A GitHub REST API emulator on 127.0.0.1, answering with bodies shaped from recorded GitHub responses.

It keeps users (by token), repositories with branches, commits and files, paginates with `Link` headers, sends
rate-limit headers, and answers 401, 403 (rate limits) and 404 as GitHub does. Tests add data and failures.
"""

import base64
import copy
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse

from embedded_db import free_port

FIXTURES = Path(__file__).parent / 'fixtures' / 'github'
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

    def fail(self, path_pattern: str, status: int, times: int = 1, headers: dict | None = None, body=None) -> None:
        self.failures.append(Failure(re.compile(path_pattern), status, times, headers or {}, body or {}))

    def calls(self, path_pattern: str) -> int:
        return sum(1 for _, path, _ in self.requests if re.search(path_pattern, path))

    def start(self) -> 'GitHubEmulator':
        config = uvicorn.Config(self.app(), host='127.0.0.1', port=self.port, log_level='warning', lifespan='off')
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

    def _visible(self, login: str | None, repo: FakeRepo) -> bool:
        return not repo.data['private'] or login in (repo.data['owner']['login'], *repo.collaborators)

    def _repo(self, login: str | None, full_name: str) -> FakeRepo | None:
        repo = self.repos.get(full_name)
        return repo if repo is not None and self._visible(login, repo) else None

    def _paged(self, request: Request, items: list, headers: dict, wrap=None) -> JSONResponse:
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

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.middleware('http')
        async def github_rules(request: Request, call_next):
            authorization = request.headers.get('authorization', '')
            token = authorization.split(' ', 1)[1] if ' ' in authorization else None
            path = request.url.path + (f'?{request.url.query}' if request.url.query else '')
            self.requests.append((request.method, path, token))
            if self.delay_seconds:
                time.sleep(self.delay_seconds)  # blocks this server's loop, as a stuck upstream would
            limit = 5000 if token else 60
            remaining = self.remaining.setdefault(token, limit)
            rate = {
                'x-ratelimit-limit': str(limit),
                'x-ratelimit-remaining': str(max(0, remaining - 1)),
                'x-ratelimit-reset': str(int(time.time()) + 3600),
            }
            for failure in self.failures:
                if failure.times > 0 and failure.path.search(path):
                    failure.times -= 1
                    return JSONResponse(failure.body, failure.status, headers={**rate, **failure.headers})
            if request.url.path.startswith('/login/oauth/'):
                return await call_next(request)
            if remaining <= 0:
                body = {'message': 'API rate limit exceeded.', 'documentation_url': 'https://docs.github.com/rest'}
                return JSONResponse(body, 403, headers={**rate, 'x-ratelimit-remaining': '0'})
            self.remaining[token] = remaining - 1
            if token is not None and token not in self.users:
                exchange = recorded('bad_credentials')
                return JSONResponse(exchange['body'], 401, headers=rate)
            request.state.login = self.users[token]['login'] if token else None
            request.state.rate = rate
            response = await call_next(request)
            response.headers.update(rate)
            return response

        @api.get('/user')
        def user(request: Request):
            if request.state.login is None:
                return JSONResponse({'message': 'Requires authentication'}, 401)
            account = next(u for u in self.users.values() if u['login'] == request.state.login)
            body = self.rewrite(recorded('user')['body'])
            body.update(login=account['login'], url=f'{self.base_url}/users/{account["login"]}')
            headers = {}
            if account['scopes'] is not None:
                headers['x-oauth-scopes'] = account['scopes']
            if account['expires']:
                headers['github-authentication-token-expiration'] = account['expires']
            return JSONResponse(body, headers=headers)

        @api.get('/user/repos')
        def user_repos(request: Request):
            login = request.state.login
            mine = [
                r.data for r in self.repos.values() if login and login in (r.data['owner']['login'], *r.collaborators)
            ]
            mine.sort(key=lambda r: r['updated_at'], reverse=True)
            return self._paged(request, mine, {})

        @api.get('/search/repositories')
        def search(request: Request, q: str = ''):
            terms = [t.lower() for t in q.split() if ':' not in t]
            found = [
                r.data
                for r in self.repos.values()
                if self._visible(request.state.login, r) and all(t in r.data['full_name'].lower() for t in terms)
            ]
            return self._paged(
                request,
                found,
                {},
                lambda items, total: {'total_count': total, 'incomplete_results': False, 'items': items},
            )

        @api.get('/repos/{owner}/{name}')
        def repository(request: Request, owner: str, name: str):
            repo = self._repo(request.state.login, f'{owner}/{name}')
            return JSONResponse(repo.data) if repo else JSONResponse(NOT_FOUND, 404)

        @api.get('/repos/{owner}/{name}/branches')
        def branches(request: Request, owner: str, name: str):
            repo = self._repo(request.state.login, f'{owner}/{name}')
            if repo is None:
                return JSONResponse(NOT_FOUND, 404)
            items = [self._branch(repo, b, short=True) for b in repo.branches]
            return self._paged(request, items, {})

        @api.get('/repos/{owner}/{name}/branches/{branch:path}')
        def branch(request: Request, owner: str, name: str, branch: str):
            repo = self._repo(request.state.login, f'{owner}/{name}')
            if repo is None or branch not in repo.branches:
                return JSONResponse({'message': 'Branch not found', **NOT_FOUND}, 404)
            return JSONResponse(self._branch(repo, branch, short=False))

        @api.get('/repos/{owner}/{name}/git/ref/{ref:path}')
        def git_ref(request: Request, owner: str, name: str, ref: str):
            repo = self._repo(request.state.login, f'{owner}/{name}')
            branch = ref.removeprefix('heads/')
            if repo is None or not ref.startswith('heads/') or branch not in repo.branches:
                return JSONResponse(NOT_FOUND, 404)
            sha = repo.branches[branch]
            return {
                'ref': f'refs/{ref}',
                'url': f'{self.base_url}/repos/{owner}/{name}/git/refs/{ref}',
                'object': {
                    'sha': sha,
                    'type': 'commit',
                    'url': f'{self.base_url}/repos/{owner}/{name}/git/commits/{sha}',
                },
            }

        @api.get('/repos/{owner}/{name}/commits')
        def commits(request: Request, owner: str, name: str, sha: str = ''):
            repo = self._repo(request.state.login, f'{owner}/{name}')
            head = repo.branches.get(sha or repo.data['default_branch']) if repo else None
            if head is None:
                return JSONResponse(NOT_FOUND, 404)
            template = self.rewrite(recorded('commits')['body'])
            items = []
            for number, commit in enumerate(template[:5]):
                commit_sha = head if number == 0 else fake_sha(head, str(number))
                commit = copy.deepcopy(commit)
                commit.update(
                    sha=commit_sha,
                    html_url=f'https://github.com/{owner}/{name}/commit/{commit_sha}',
                    url=f'{self.base_url}/repos/{owner}/{name}/commits/{commit_sha}',
                )
                commit['commit']['message'] = f'Change {5 - number} on {sha or "default"}\n\nDetails.'
                items.append(commit)
            return self._paged(request, items, {})

        @api.get('/repos/{owner}/{name}/contents/{path:path}')
        def contents(request: Request, owner: str, name: str, path: str, ref: str = ''):
            repo = self._repo(request.state.login, f'{owner}/{name}')
            files = (
                repo.files.get(repo.branches.get(ref, ref) if ref else repo.branches[repo.data['default_branch']])
                if repo
                else None
            )
            if files is None:
                return JSONResponse({'message': f'No commit found for the ref {ref}', **NOT_FOUND}, 404)
            if path in files:
                body = self.rewrite(recorded('contents')['body'])
                content = files[path].encode()
                body.update(
                    name=path.rsplit('/', 1)[-1],
                    path=path,
                    size=len(content),
                    type='file',
                    sha=hashlib.sha1(b'blob %d\0' % len(content) + content).hexdigest(),
                    content=base64.b64encode(content).decode(),
                    encoding='base64',
                    url=f'{self.base_url}/repos/{owner}/{name}/contents/{path}?ref={ref}',
                )
                return body
            inside = sorted(p for p in files if p.startswith(path + '/'))
            if inside:
                return [
                    {
                        'type': 'file',
                        'name': p.rsplit('/', 1)[-1],
                        'path': p,
                        'sha': fake_sha(p),
                        'size': 1,
                        'url': f'{self.base_url}/repos/{owner}/{name}/contents/{p}',
                    }
                    for p in inside
                ]
            return JSONResponse(NOT_FOUND, 404)

        @api.get('/login/oauth/authorize')
        def authorize(redirect_uri: str, state: str, client_id: str):
            code = fake_sha('code', state)
            token = 'gho_' + fake_sha('oauth', state)[:36]
            self.oauth_codes[code] = token
            self.add_user(token, 'octo-oauth', 'repo, read:user')
            return RedirectResponse(f'{redirect_uri}?{urlencode({"code": code, "state": state})}')

        @api.post('/login/oauth/access_token')
        async def access_token(request: Request):
            form = (
                await request.json()
                if 'json' in request.headers.get('content-type', '')
                else dict(await request.form())
            )
            token = self.oauth_codes.pop(form.get('code', ''), None)
            if token is None:
                return {
                    'error': 'bad_verification_code',
                    'error_description': 'The code passed is incorrect or expired.',
                }
            return {'access_token': token, 'token_type': 'bearer', 'scope': 'repo,read:user'}

        return api

    def _branch(self, repo: FakeRepo, name: str, short: bool) -> dict:
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
