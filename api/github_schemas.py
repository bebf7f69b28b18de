"""Bodies of the GitHub API: what Espaze says about a connection and what it read from GitHub."""

from datetime import datetime

from pydantic import Field

from api.schemas import CamelModel
from models.github import LinkState

UNAUTHENTICATED_NOTE = "No GitHub account linked: public repositories only, at GitHub's lower rate limit (60 an hour)"


class TokenIn(CamelModel):
    token: str = Field(max_length=1024)


class GitHubStatusOut(CamelModel):
    state: LinkState
    kind: str | None
    login: str | None
    scopes: list[str] | None
    expires_at: datetime | None
    hint: str | None
    linked_at: datetime | None
    reason: str | None
    oauth_available: bool
    note: str | None


class OAuthStartOut(CamelModel):
    authorize_url: str


class RepositoryOut(CamelModel):
    full_name: str
    private: bool
    language: str | None
    default_branch: str
    updated_at: datetime | None
    description: str | None
    html_url: str


class RepositoryPageOut(CamelModel):
    items: list[RepositoryOut]
    page: int
    has_more: bool


class BranchOut(CamelModel):
    name: str
    commit_sha: str
    protected: bool
    is_default: bool


class CommitOut(CamelModel):
    sha: str
    message: str
    author: str | None
    committed_at: datetime | None
    html_url: str


class DockerfileOut(CamelModel):
    exists: bool
    path: str
    commit_sha: str
    blob_sha: str | None
    size: int | None
    reason: str | None
