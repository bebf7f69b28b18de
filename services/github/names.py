"""GitHub names Espaze accepts: `owner/repo`, branch names and file paths, checked before any request is made.

Stricter than GitHub and git themselves: these names later reach build Jobs, so nothing a shell or a URL
parser could read specially (no `..`, no leading `-`, no spaces or shell characters) gets through.
"""

import re

from models.errors import ValidationFailed

OWNER = re.compile(r'^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$')
REPOSITORY = re.compile(r'^[A-Za-z0-9._-]{1,100}$')
BRANCH_CHARS = re.compile(r'^[A-Za-z0-9._/+-]{1,255}$')
PATH_CHARS = re.compile(r'^[A-Za-z0-9._/ +-]{1,255}$')
SHA = re.compile(r'^[0-9a-f]{40}$')


def repository_name(value: str, field: str = 'repository') -> tuple[str, str]:
    """`owner/repo` as GitHub names them; URLs, other hosts, `..` and shell characters are refused."""
    owner, slash, repo = value.partition('/')
    if not slash or not OWNER.fullmatch(owner) or not REPOSITORY.fullmatch(repo) or repo in ('.', '..'):
        raise ValidationFailed(field, 'must be a GitHub repository named as owner/repo')
    if repo.endswith('.git'):
        raise ValidationFailed(field, 'must be owner/repo without .git')
    return owner, repo


def branch_name(value: str, field: str = 'branch') -> str:
    """A branch name following git's ref rules, limited to characters that are safe everywhere."""
    if not BRANCH_CHARS.fullmatch(value):
        raise ValidationFailed(field, 'may hold only letters, digits and . _ / + - (at most 255)')
    parts = value.split('/')
    if (
        value.startswith(('-', '/', '.'))
        or value.endswith(('/', '.', '.lock'))
        or '..' in value
        or any(not part or part.startswith('.') or part.endswith('.lock') for part in parts)
    ):
        raise ValidationFailed(field, 'is not a valid git branch name')
    return value


def git_ref(value: str, field: str = 'ref') -> str:
    """A branch name or a full commit SHA."""
    return value if SHA.fullmatch(value) else branch_name(value, field)


def file_path(value: str, field: str = 'path') -> str:
    """A relative path inside a repository, such as `Dockerfile` or `docker/Dockerfile.prod`."""
    if not PATH_CHARS.fullmatch(value) or value.startswith(('/', '-')) or value.endswith('/'):
        raise ValidationFailed(field, 'must be a relative path of letters, digits, spaces and . _ / + -')
    if any(part in ('', '.', '..') for part in value.split('/')):
        raise ValidationFailed(field, 'must not hold empty, . or .. parts')
    return value
