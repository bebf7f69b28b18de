"""GitHub names, sealed credentials and key rotation, rate-limit headers: the rules without a server."""

from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet

from models.errors import ValidationFailed
from services.github.client import rate_limit_reset
from services.github.connection import checked_token, token_hint
from services.github.names import branch_name, file_path, git_ref, repository_name
from services.infrastructure.secret_box import SecretBox, Unreadable


@pytest.mark.parametrize('name', ['octocat/hello-world', 'a/b', 'Org-1/repo.name_x', 'x' * 39 + '/' + 'y' * 100])
def test_github_repository_names_are_accepted(name: str):
    assert '/'.join(repository_name(name)) == name


@pytest.mark.parametrize(
    'name',
    [
        'octocat',
        'https://github.com/octocat/x',
        'github.com/octocat/x',
        'octocat/x/y',
        '-oct/x',
        'oct-/x',
        'oc--t/x',
        'octocat/..',
        'octocat/.',
        'octocat/x.git',
        'octocat/x;rm -rf',
        'octocat/$(id)',
        'o/' + 'y' * 101,
        'x' * 40 + '/y',
        'octocat/x y',
        'octocat/',
        '/x',
    ],
)
def test_anything_else_is_refused(name: str):
    with pytest.raises(ValidationFailed) as refused:
        repository_name(name)
    assert refused.value.field == 'repository'


@pytest.mark.parametrize('name', ['main', 'feature/login-form', 'release-1.2', 'user+topic', 'v2.x'])
def test_branch_names(name: str):
    assert branch_name(name) == name


@pytest.mark.parametrize(
    'name',
    [
        '-rf',
        '--upload-pack=x',
        'a..b',
        'a b',
        'x;id',
        '$(id)',
        '`id`',
        'a/',
        '/a',
        'a//b',
        '.hidden',
        'a/.b',
        'a.lock',
        'x.',
        'a@{1}',
        'a~1',
        'a^',
        'a:b',
        'a\\b',
        '',
        'x' * 256,
    ],
)
def test_unsafe_branch_names_are_refused(name: str):
    with pytest.raises(ValidationFailed):
        branch_name(name)


def test_a_ref_is_a_branch_or_a_full_sha():
    assert git_ref('a' * 40) == 'a' * 40
    with pytest.raises(ValidationFailed):
        git_ref('-' + 'a' * 39)


@pytest.mark.parametrize('path', ['../x', 'a/../b', '/etc/passwd', '-x', 'a//b', 'a/', './Dockerfile', 'a;b', ''])
def test_unsafe_paths_are_refused(path: str):
    with pytest.raises(ValidationFailed):
        file_path(path)


def test_hints_show_the_kind_and_last_four_characters_only():
    assert token_hint('ghp_' + 'a' * 32 + 'WXYZ') == 'ghp_...WXYZ'
    assert token_hint('github_pat_11ABC_' + 'b' * 40 + 'LAST') == 'github_pat_...LAST'
    assert token_hint('0123456789abcdef0123456789abcdefDCBA') == '...DCBA'
    assert checked_token('  ghp_' + 'c' * 36 + '\n') == 'ghp_' + 'c' * 36


def test_old_keys_still_decrypt_and_ask_for_resealing():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed = SecretBox([old]).seal('ghp_secret_value_1234567890')
    rotated = SecretBox([new, old])
    assert rotated.open(sealed) == ('ghp_secret_value_1234567890', True)
    assert rotated.open(rotated.seal('fresh')) == ('fresh', False)
    with pytest.raises(Unreadable):
        SecretBox([new]).open(sealed)


def test_rate_limit_headers():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert rate_limit_reset({'Retry-After': '60'}, now) == datetime(2026, 1, 1, 12, 1, tzinfo=UTC)
    reset = {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': str(int(datetime(2026, 1, 1, 13, tzinfo=UTC).timestamp())),
    }
    assert rate_limit_reset(reset, now) == datetime(2026, 1, 1, 13, tzinfo=UTC)
    assert rate_limit_reset({'x-ratelimit-remaining': '12'}, now) is None
