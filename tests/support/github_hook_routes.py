"""The emulator's repository webhooks and commit statuses, answered in the shapes GitHub recorded."""

import copy

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from tests.support.github_emulator import NOT_FOUND, GitHubEmulator, recorded

VALIDATION_FAILED = {'message': 'Validation Failed', 'documentation_url': 'https://docs.github.com/rest'}


def hook_routes(api: FastAPI, emulator: GitHubEmulator) -> None:
    def administered(request: Request, owner: str, name: str):
        repo = emulator.repo(request.state.login, f'{owner}/{name}')
        return repo if repo is not None and emulator.administers(request.state.login, repo) else None

    def shown(repo, hook: dict) -> dict:
        config = {k: v for k, v in hook['config'].items() if k != 'secret'}
        return {**hook, 'config': config | ({'secret': '********'} if 'secret' in hook['config'] else {})}

    @api.post('/repos/{owner}/{name}/hooks')
    async def create_hook(request: Request, owner: str, name: str):
        repo = administered(request, owner, name)
        if repo is None:  # GitHub hides what one may not administer
            return JSONResponse(NOT_FOUND, 404)
        sent = await request.json()
        if any(h['config'].get('url') == sent['config'].get('url') for h in repo.hooks.values()):
            errors = [{'resource': 'Hook', 'code': 'custom', 'message': 'Hook already exists on this repository'}]
            return JSONResponse({**VALIDATION_FAILED, 'errors': errors}, 422)
        hook = emulator.rewrite(copy.deepcopy(recorded('hooks', 0)['body']))
        hook_id = emulator.next_hook_id
        emulator.next_hook_id += 1
        url = f'{emulator.base_url}/repos/{owner}/{name}/hooks/{hook_id}'
        hook.update(
            id=hook_id,
            url=url,
            test_url=f'{url}/test',
            ping_url=f'{url}/pings',
            name=sent.get('name', 'web'),
            events=sent.get('events', ['push']),
            active=sent.get('active', True),
            config=dict(sent['config']),
        )
        repo.hooks[hook_id] = hook
        return JSONResponse(shown(repo, hook), 201, headers={'location': url})

    @api.get('/repos/{owner}/{name}/hooks')
    def list_hooks(request: Request, owner: str, name: str):
        repo = administered(request, owner, name)
        if repo is None:
            return JSONResponse(NOT_FOUND, 404)
        return emulator.paged(request, [shown(repo, h) for h in repo.hooks.values()], {})

    @api.get('/repos/{owner}/{name}/hooks/{hook_id}')
    def get_hook(request: Request, owner: str, name: str, hook_id: int):
        repo = administered(request, owner, name)
        if repo is None or hook_id not in repo.hooks:
            return JSONResponse(NOT_FOUND, 404)
        return shown(repo, repo.hooks[hook_id])

    @api.delete('/repos/{owner}/{name}/hooks/{hook_id}')
    def delete_hook(request: Request, owner: str, name: str, hook_id: int):
        repo = administered(request, owner, name)
        if repo is None or repo.hooks.pop(hook_id, None) is None:
            return JSONResponse(NOT_FOUND, 404)
        return Response(status_code=204)

    @api.post('/repos/{owner}/{name}/hooks/{hook_id}/pings')
    def ping_hook(request: Request, owner: str, name: str, hook_id: int):
        repo = administered(request, owner, name)
        if repo is None or hook_id not in repo.hooks:
            return JSONResponse(NOT_FOUND, 404)
        return Response(status_code=204)

    @api.post('/repos/{owner}/{name}/statuses/{sha}')
    async def create_status(request: Request, owner: str, name: str, sha: str):
        repo = emulator.repo(request.state.login, f'{owner}/{name}')
        if repo is None or request.state.login is None:
            return JSONResponse(NOT_FOUND, 404)
        sent = await request.json()
        if sent.get('state') not in ('error', 'failure', 'pending', 'success'):
            return JSONResponse({**VALIDATION_FAILED, 'errors': [{'field': 'state', 'code': 'invalid'}]}, 422)
        status = emulator.rewrite(copy.deepcopy(recorded('statuses', 0)['body']))
        status.update(
            state=sent['state'],
            description=sent.get('description'),
            target_url=sent.get('target_url'),
            context=sent.get('context', 'default'),
            id=len(repo.statuses) + 1,
            url=f'{emulator.base_url}/repos/{owner}/{name}/statuses/{sha}',
        )
        status['creator'] = {**status['creator'], 'login': request.state.login}
        repo.statuses.append({**status, 'sha': sha})
        return JSONResponse(status, 201)
