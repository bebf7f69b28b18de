"""The GitHub REST routes the emulator answers, with GitHub's rules: auth, rate limits, failures, visibility."""

import base64
import copy
import hashlib
import time
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse

from tests.support.github_emulator import NOT_FOUND, GitHubEmulator, fake_sha, recorded
from tests.support.github_hook_routes import hook_routes


def github_api(emulator: GitHubEmulator) -> FastAPI:
    api = FastAPI()

    @api.middleware('http')
    async def github_rules(request: Request, call_next):
        authorization = request.headers.get('authorization', '')
        token = authorization.split(' ', 1)[1] if ' ' in authorization else None
        path = request.url.path + (f'?{request.url.query}' if request.url.query else '')
        emulator.requests.append((request.method, path, token))
        if emulator.delay_seconds:
            time.sleep(emulator.delay_seconds)  # blocks this server's loop, as a stuck upstream would
        limit = 5000 if token else 60
        remaining = emulator.remaining.setdefault(token, limit)
        rate = {
            'x-ratelimit-limit': str(limit),
            'x-ratelimit-remaining': str(max(0, remaining - 1)),
            'x-ratelimit-reset': str(int(time.time()) + 3600),
        }
        for failure in emulator.failures:
            if failure.times > 0 and failure.path.search(path):
                failure.times -= 1
                return JSONResponse(failure.body, failure.status, headers={**rate, **failure.headers})
        if request.url.path.startswith('/login/oauth/'):
            return await call_next(request)
        if remaining <= 0:
            body = {'message': 'API rate limit exceeded.', 'documentation_url': 'https://docs.github.com/rest'}
            return JSONResponse(body, 403, headers={**rate, 'x-ratelimit-remaining': '0'})
        emulator.remaining[token] = remaining - 1
        if token is not None and token not in emulator.users:
            exchange = recorded('bad_credentials')
            return JSONResponse(exchange['body'], 401, headers=rate)
        request.state.login = emulator.users[token]['login'] if token else None
        request.state.rate = rate
        response = await call_next(request)
        response.headers.update(rate)
        return response

    @api.get('/user')
    def user(request: Request):
        if request.state.login is None:
            return JSONResponse({'message': 'Requires authentication'}, 401)
        account = next(u for u in emulator.users.values() if u['login'] == request.state.login)
        body = emulator.rewrite(recorded('user')['body'])
        body.update(login=account['login'], url=f'{emulator.base_url}/users/{account["login"]}')
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
            r.data for r in emulator.repos.values() if login and login in (r.data['owner']['login'], *r.collaborators)
        ]
        mine.sort(key=lambda r: r['updated_at'], reverse=True)
        return emulator.paged(request, mine, {})

    @api.get('/search/repositories')
    def search(request: Request, q: str = ''):
        terms = [t.lower() for t in q.split() if ':' not in t]
        found = [
            r.data
            for r in emulator.repos.values()
            if emulator.visible(request.state.login, r) and all(t in r.data['full_name'].lower() for t in terms)
        ]
        return emulator.paged(
            request,
            found,
            {},
            lambda items, total: {'total_count': total, 'incomplete_results': False, 'items': items},
        )

    @api.get('/repos/{owner}/{name}')
    def repository(request: Request, owner: str, name: str):
        repo = emulator.repo(request.state.login, f'{owner}/{name}')
        return JSONResponse(repo.data) if repo else JSONResponse(NOT_FOUND, 404)

    @api.get('/repos/{owner}/{name}/branches')
    def branches(request: Request, owner: str, name: str):
        repo = emulator.repo(request.state.login, f'{owner}/{name}')
        if repo is None:
            return JSONResponse(NOT_FOUND, 404)
        items = [emulator.branch(repo, b, short=True) for b in repo.branches]
        return emulator.paged(request, items, {})

    @api.get('/repos/{owner}/{name}/branches/{branch:path}')
    def branch(request: Request, owner: str, name: str, branch: str):
        repo = emulator.repo(request.state.login, f'{owner}/{name}')
        if repo is None or branch not in repo.branches:
            return JSONResponse({'message': 'Branch not found', **NOT_FOUND}, 404)
        return JSONResponse(emulator.branch(repo, branch, short=False))

    @api.get('/repos/{owner}/{name}/git/ref/{ref:path}')
    def git_ref(request: Request, owner: str, name: str, ref: str):
        repo = emulator.repo(request.state.login, f'{owner}/{name}')
        branch = ref.removeprefix('heads/')
        if repo is None or not ref.startswith('heads/') or branch not in repo.branches:
            return JSONResponse(NOT_FOUND, 404)
        sha = repo.branches[branch]
        return {
            'ref': f'refs/{ref}',
            'url': f'{emulator.base_url}/repos/{owner}/{name}/git/refs/{ref}',
            'object': {
                'sha': sha,
                'type': 'commit',
                'url': f'{emulator.base_url}/repos/{owner}/{name}/git/commits/{sha}',
            },
        }

    @api.get('/repos/{owner}/{name}/commits')
    def commits(request: Request, owner: str, name: str, sha: str = ''):
        repo = emulator.repo(request.state.login, f'{owner}/{name}')
        head = repo.branches.get(sha or repo.data['default_branch']) if repo else None
        if head is None:
            return JSONResponse(NOT_FOUND, 404)
        template = emulator.rewrite(recorded('commits')['body'])
        items = []
        for number, commit in enumerate(template[:5]):
            commit_sha = head if number == 0 else fake_sha(head, str(number))
            commit = copy.deepcopy(commit)
            commit.update(
                sha=commit_sha,
                html_url=f'https://github.com/{owner}/{name}/commit/{commit_sha}',
                url=f'{emulator.base_url}/repos/{owner}/{name}/commits/{commit_sha}',
            )
            commit['commit']['message'] = f'Change {5 - number} on {sha or "default"}\n\nDetails.'
            items.append(commit)
        return emulator.paged(request, items, {})

    @api.get('/repos/{owner}/{name}/contents/{path:path}')
    def contents(request: Request, owner: str, name: str, path: str, ref: str = ''):
        repo = emulator.repo(request.state.login, f'{owner}/{name}')
        files = (
            repo.files.get(repo.branches.get(ref, ref) if ref else repo.branches[repo.data['default_branch']])
            if repo
            else None
        )
        if files is None:
            return JSONResponse({'message': f'No commit found for the ref {ref}', **NOT_FOUND}, 404)
        if path in files:
            body = emulator.rewrite(recorded('contents')['body'])
            content = files[path].encode()
            body.update(
                name=path.rsplit('/', 1)[-1],
                path=path,
                size=len(content),
                type='file',
                sha=hashlib.sha1(b'blob %d\0' % len(content) + content).hexdigest(),
                content=base64.b64encode(content).decode(),
                encoding='base64',
                url=f'{emulator.base_url}/repos/{owner}/{name}/contents/{path}?ref={ref}',
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
                    'url': f'{emulator.base_url}/repos/{owner}/{name}/contents/{p}',
                }
                for p in inside
            ]
        return JSONResponse(NOT_FOUND, 404)

    hook_routes(api, emulator)

    @api.get('/login/oauth/authorize')
    def authorize(redirect_uri: str, state: str, client_id: str):
        code = fake_sha('code', state)
        token = 'gho_' + fake_sha('oauth', state)[:36]
        emulator.oauth_codes[code] = token
        emulator.add_user(token, 'octo-oauth', 'repo, read:user')
        return RedirectResponse(f'{redirect_uri}?{urlencode({"code": code, "state": state})}')

    @api.post('/login/oauth/access_token')
    async def access_token(request: Request):
        form = await request.json() if 'json' in request.headers.get('content-type', '') else dict(await request.form())
        token = emulator.oauth_codes.pop(form.get('code', ''), None)
        if token is None:
            return {
                'error': 'bad_verification_code',
                'error_description': 'The code passed is incorrect or expired.',
            }
        return {'access_token': token, 'token_type': 'bearer', 'scope': 'repo,read:user'}

    return api
