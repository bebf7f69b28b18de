"""What Espaze reads from GitHub, as plain values (never PyGithub objects, which hold the credential)."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class LinkState(StrEnum):
    NONE = 'none'
    LINKED = 'linked'
    RELINK = 're-link'  # the stored credential was refused by GitHub, or no key can decrypt it


@dataclass(frozen=True)
class GitHubIdentity:
    login: str
    scopes: tuple[str, ...] | None  # None: a fine-grained token, which reports no scopes
    expires_at: datetime | None


@dataclass(frozen=True)
class GitHubConnection:
    state: LinkState
    kind: str | None = None  # 'token' or 'oauth'
    login: str | None = None
    scopes: tuple[str, ...] | None = None
    expires_at: datetime | None = None
    hint: str | None = None  # e.g. ghp_...abcd
    linked_at: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Repository:
    full_name: str
    private: bool
    language: str | None
    default_branch: str
    updated_at: datetime | None
    description: str | None
    html_url: str


@dataclass(frozen=True)
class RepositoryPage:
    items: list[Repository]
    page: int
    has_more: bool


@dataclass(frozen=True)
class Branch:
    name: str
    commit_sha: str
    protected: bool
    is_default: bool


@dataclass(frozen=True)
class Commit:
    sha: str
    message: str
    author: str | None
    committed_at: datetime | None
    html_url: str


@dataclass(frozen=True)
class DockerfileCheck:
    exists: bool
    path: str
    ref: str
    sha: str | None = None
    size: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class StoredCredential:
    """A user's GitHub credential as kept: sealed, with what GitHub said about it when it was linked."""

    owner_id: str
    ciphertext: bytes
    kind: str | None
    login: str | None
    scopes: tuple[str, ...] | None
    expires_at: datetime | None
    hint: str | None
    linked_at: datetime | None
    refused_because: str | None  # set once GitHub refused it: the user must link again
