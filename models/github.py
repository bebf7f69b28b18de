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


@dataclass(frozen=True)
class RepositoryHook:
    """The webhook Espaze made on a repository: shared by every deployment of it that deploys on push."""

    repo_key: str  # the repository's full name, lowercase
    github_repo: str
    hook_id: int
    owner_id: str  # whose GitHub connection made it (and removes it)
    created_at: datetime


@dataclass(frozen=True)
class DeliveryOutcome:
    deployment_id: str
    action: str  # deployed, ignored
    reason: str


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery as GitHub sent it, and what Espaze did with it for each deployment it concerns."""

    delivery_id: str
    event: str
    hook_id: int | None
    repo_key: str | None
    signature_ok: bool
    received_at: datetime
    ref: str | None = None
    commit_sha: str | None = None
    state: str = 'queued'  # queued, done
    note: str = ''  # what the delivery as a whole came to (ping, bad signature, tag push...)
    outcomes: tuple[DeliveryOutcome, ...] = ()

    def outcome_for(self, deployment_id: str) -> DeliveryOutcome | None:
        return next((o for o in self.outcomes if o.deployment_id == deployment_id), None)


@dataclass(frozen=True)
class PullRequestEvent:
    """What a `pull_request` delivery says, as far as previews care."""

    action: str  # opened, reopened, synchronize, closed, ...
    number: int
    head_sha: str
    base_ref: str
    from_fork: bool
    author: str
