"""The GitHub API: linking an account (token or OAuth) and browsing repositories, branches and Dockerfiles."""

from typing import Annotated

from fastapi import APIRouter, Cookie, Query, Request, Response, status
from fastapi.responses import RedirectResponse

from api.deps import CurrentUser, ServicesDep
from api.github_schemas import (
    UNAUTHENTICATED_NOTE,
    BranchOut,
    CommitOut,
    DockerfileOut,
    GitHubStatusOut,
    OAuthStartOut,
    RepositoryOut,
    RepositoryPageOut,
    TokenIn,
)
from api.schemas import PageNumber
from models.accounts import User
from models.errors import EspazeError
from models.github import LinkState
from services.registry import Services
from web.oauth_cookie import OAUTH_COOKIE, OAUTH_COOKIE_PATH, bind_oauth_to_browser

router = APIRouter(prefix='/api/github', tags=['github'])
Text = Annotated[str, Query(max_length=256)]


async def _status(services: Services, user: User) -> GitHubStatusOut:
    connection = await services.github.connections.status(user)
    return GitHubStatusOut(
        **{k: v for k, v in vars(connection).items() if k != 'scopes'},
        scopes=list(connection.scopes) if connection.scopes is not None else None,
        oauth_available=services.github.connections.oauth_enabled,
        note=UNAUTHENTICATED_NOTE if connection.state == LinkState.NONE else None,
    )


@router.get('/status')
async def github_status(user: CurrentUser, services: ServicesDep) -> GitHubStatusOut:
    """Your GitHub connection: state (`none`, `linked`, `re-link`), login, scopes, expiry and a hint of the token."""
    return await _status(services, user)


@router.put('/token')
async def link_token(body: TokenIn, user: CurrentUser, services: ServicesDep) -> GitHubStatusOut:
    """Link a personal access token (classic or fine-grained); GitHub checks it first (`GET /user`)."""
    await services.github.connections.link_token(user, body.token)
    return await _status(services, user)


@router.delete('/token', status_code=status.HTTP_204_NO_CONTENT)
async def disconnect(user: CurrentUser, services: ServicesDep) -> Response:
    """Forget your GitHub credential (deleted, not flagged); the repository webhooks it made are removed first."""
    await services.hooks.disconnect(user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get('/oauth/start')
async def oauth_start(request: Request, response: Response, user: CurrentUser, services: ServicesDep) -> OAuthStartOut:
    """Where to send your browser to sign in with GitHub (when an OAuth app is configured). The answer also sets
    an HttpOnly cookie: the sign-in completes only in a browser (or client) that holds it."""
    url, browser_nonce = await services.github.connections.start_oauth(user)
    bind_oauth_to_browser(request, response, browser_nonce)
    return OAuthStartOut(authorize_url=url)


@router.get('/oauth/callback', include_in_schema=False)
async def oauth_callback(
    services: ServicesDep,
    code: Text = '',
    state: Text = '',
    browser_nonce: Annotated[str, Cookie(alias=OAUTH_COOKIE, max_length=256)] = '',
) -> RedirectResponse:
    """GitHub sends the browser back here; the `state` names who started the sign-in, the cookie that it is the
    same browser (a link started by someone else and sent to a victim links nothing)."""
    try:
        await services.github.connections.finish_oauth(code, state, browser_nonce, services.accounts.enabled_user)
    except EspazeError:
        answer = RedirectResponse('/settings?github=failed', status_code=303)
    else:
        answer = RedirectResponse('/settings?github=linked', status_code=303)
    answer.delete_cookie(OAUTH_COOKIE, path=OAUTH_COOKIE_PATH)
    return answer


@router.get('/repos')
async def repositories(
    user: CurrentUser, services: ServicesDep, q: Text = '', page: PageNumber = 1
) -> RepositoryPageOut:
    """Your repositories (owned, collaborator, organisation), newest first, filtered by name with `q`."""
    found = await services.github.repositories(user, q, page)
    return RepositoryPageOut(items=[RepositoryOut.of(r) for r in found.items], page=found.page, has_more=found.has_more)


@router.get('/search')
async def search(user: CurrentUser, services: ServicesDep, q: Text) -> list[RepositoryOut]:
    """GitHub's repository search."""
    return [RepositoryOut.of(r) for r in await services.github.search(user, q)]


@router.get('/repos/{owner}/{repo}')
async def repository(owner: str, repo: str, user: CurrentUser, services: ServicesDep) -> RepositoryOut:
    return RepositoryOut.of(await services.github.repository(user, f'{owner}/{repo}'))


@router.get('/repos/{owner}/{repo}/branches')
async def branches(owner: str, repo: str, user: CurrentUser, services: ServicesDep) -> list[BranchOut]:
    """The branches, the default one first."""
    return [BranchOut.of(b) for b in await services.github.branches(user, f'{owner}/{repo}')]


@router.get('/repos/{owner}/{repo}/commits')
async def commits(owner: str, repo: str, branch: Text, user: CurrentUser, services: ServicesDep) -> list[CommitOut]:
    """The latest commits of a branch."""
    return [CommitOut.of(c) for c in await services.github.commits(user, f'{owner}/{repo}', branch)]


@router.get('/repos/{owner}/{repo}/dockerfile')
async def dockerfile(
    owner: str, repo: str, user: CurrentUser, services: ServicesDep, ref: Text, path: Text = 'Dockerfile'
) -> DockerfileOut:
    """Whether the repository has a Dockerfile at `path` in `ref` (a branch, resolved to its exact commit, or a SHA)."""
    check = await services.github.dockerfile(user, f'{owner}/{repo}', ref, path)
    return DockerfileOut(
        exists=check.exists,
        path=check.path,
        commit_sha=check.ref,
        blob_sha=check.sha,
        size=check.size,
        reason=check.reason,
    )
