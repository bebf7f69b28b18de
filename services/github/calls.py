"""What Espaze asks GitHub, as synchronous functions of a PyGithub client that return plain values.

They run in a worker thread (see client.GitHubGateway.call); lists are capped so that one call stays bounded.
"""

import itertools
import urllib.parse
from datetime import UTC, datetime

from github import Github
from github.ContentFile import ContentFile
from github.GithubException import UnknownObjectException
from github.Repository import Repository as PyGithubRepository

from models.errors import NotFound
from models.github import Branch, Commit, DockerfileCheck, GitHubIdentity, Repository
from services.github.client import NOT_FOUND
from services.github.names import SHA

MAX_REPOSITORIES = 1000
MAX_SEARCH_RESULTS = 50
MAX_BRANCHES = 300
MAX_COMMITS = 20
EXPIRY_FORMATS = ('%Y-%m-%d %H:%M:%S %Z', '%Y-%m-%d %H:%M:%S %z')


def _expiry(value: str | None) -> datetime | None:
    for layout in EXPIRY_FORMATS:
        try:
            parsed = datetime.strptime(value or '', layout)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def identity(gh: Github) -> GitHubIdentity:
    """`GET /user`: who the token belongs to, its scopes (classic tokens) and expiry, as GitHub reports them."""
    headers, data = gh.requester.requestJsonAndCheck('GET', '/user')
    headers = {k.lower(): v for k, v in headers.items()}
    scopes = headers.get('x-oauth-scopes')
    return GitHubIdentity(
        login=data['login'],
        scopes=tuple(s.strip() for s in scopes.split(',') if s.strip()) if scopes is not None else None,
        expires_at=_expiry(headers.get('github-authentication-token-expiration')),
    )


def _repository(repo: PyGithubRepository) -> Repository:
    return Repository(
        full_name=repo.full_name,
        private=bool(repo.private),
        language=repo.language,
        default_branch=repo.default_branch or 'main',
        updated_at=repo.updated_at,
        description=repo.description,
        html_url=repo.html_url,
    )


def own_repositories(gh: Github) -> list[Repository]:
    """Repositories the user owns, collaborates on or reaches through an organisation, newest first."""
    listing = gh.get_user().get_repos(
        affiliation='owner,collaborator,organization_member', sort='updated', direction='desc'
    )
    return [_repository(repo) for repo in itertools.islice(listing, MAX_REPOSITORIES)]


def search_repositories(gh: Github, query: str) -> list[Repository]:
    """`GET /search/repositories`, best match first."""
    return [_repository(repo) for repo in itertools.islice(gh.search_repositories(query), MAX_SEARCH_RESULTS)]


def repository(gh: Github, full_name: str) -> Repository:
    return _repository(gh.get_repo(full_name))


def branches(gh: Github, full_name: str) -> list[Branch]:
    """The branches, the default one first."""
    repo = gh.get_repo(full_name)
    found = [
        Branch(b.name, b.commit.sha, bool(b.protected), b.name == repo.default_branch)
        for b in itertools.islice(repo.get_branches(), MAX_BRANCHES)
    ]
    return sorted(found, key=lambda branch: not branch.is_default)


def commits(gh: Github, full_name: str, branch: str) -> list[Commit]:
    """The latest commits of a branch, newest first."""
    repo = gh.get_repo(full_name)
    return [
        Commit(
            sha=c.sha,
            message=(c.commit.message or '').split('\n', 1)[0][:200],
            author=c.commit.author.name if c.commit.author else None,
            committed_at=c.commit.author.date if c.commit.author else None,
            html_url=c.html_url,
        )
        for c in itertools.islice(repo.get_commits(sha=branch), MAX_COMMITS)
    ]


def branch_sha(gh: Github, full_name: str, branch: str) -> str:
    """The commit a branch points at: `refs/heads/<branch>` exactly (GitHub's /git/ref), never a prefix match."""
    ref = f'heads/{urllib.parse.quote(branch, safe="/")}'
    _, data = gh.requester.requestJsonAndCheck('GET', f'/repos/{full_name}/git/ref/{ref}')
    if not isinstance(data, dict) or data.get('ref') != f'refs/heads/{branch}':
        raise NotFound(NOT_FOUND)
    target = data.get('object') or {}
    if target.get('type') != 'commit' or not SHA.fullmatch(str(target.get('sha', ''))):
        raise NotFound(NOT_FOUND)
    return target['sha']


def dockerfile(gh: Github, full_name: str, sha: str, path: str) -> DockerfileCheck:
    """Whether a file exists at `path` in the commit `sha` (the Contents API), with its blob sha and size."""
    repo = gh.get_repo(full_name)
    try:
        found = repo.get_contents(path, ref=sha)
    except UnknownObjectException:
        return DockerfileCheck(False, path, sha, reason=f'No {path} in this commit')
    if not isinstance(found, ContentFile):
        return DockerfileCheck(False, path, sha, reason=f'{path} is a directory')
    if found.type != 'file':
        return DockerfileCheck(False, path, sha, reason=f'{path} is a {found.type}, not a file')
    return DockerfileCheck(True, found.path, sha, sha=found.sha, size=found.size)


def create_hook(gh: Github, full_name: str, url: str, secret: str) -> int:
    """A repository webhook that sends pushes and pull requests as JSON, signed with `secret`; its id."""
    hook = gh.get_repo(full_name).create_hook(
        'web',
        {'url': url, 'content_type': 'json', 'secret': secret, 'insecure_ssl': '0'},
        events=['push', 'pull_request'],
        active=True,
    )
    return hook.id


def delete_hook(gh: Github, full_name: str, hook_id: int) -> None:
    """Remove a repository webhook; one already gone is fine."""
    try:
        gh.requester.requestJsonAndCheck('DELETE', f'/repos/{full_name}/hooks/{int(hook_id)}')
    except UnknownObjectException:
        pass


def create_status(gh: Github, full_name: str, sha: str, status: dict[str, str]) -> None:
    """`POST /repos/{o}/{r}/statuses/{sha}`: state, description, context and target_url."""
    gh.requester.requestJsonAndCheck('POST', f'/repos/{full_name}/statuses/{sha}', input=status)
