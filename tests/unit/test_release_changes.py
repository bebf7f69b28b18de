"""What a release changed from the one before, as the Releases tab and the API say it."""

from datetime import UTC, datetime

from models.cluster import Resources
from models.deployments import Configuration, Release

NOW = datetime(2026, 12, 5, tzinfo=UTC)


def release(number: int, commit: str, image: str, **configuration) -> Release:
    return Release(number, 'deploy', '', commit, image, Configuration(**configuration), 'dev@example.com', NOW)


def test_a_new_commit_is_said_once_not_with_its_image():
    before, after = release(1, 'a' * 40, 'reg/app:aaa'), release(2, 'b' * 40, 'reg/app:bbb')
    assert after.changes_from(before) == ['commit aaaaaaa → bbbbbbb']


def test_the_same_commit_with_another_image_says_the_image():
    before, after = release(1, 'a' * 40, 'app:1'), release(2, 'a' * 40, 'app:2')
    assert after.changes_from(before) == ['image app:1 → app:2']


def test_replicas_resources_variables_and_switches_are_named_without_values_of_secrets():
    before = release(1, 'a' * 40, 'app:1', env={'MODE': 'one', 'OLD': '1'}, secret_env_names=('TOKEN',))
    after = release(
        2,
        'a' * 40,
        'app:1',
        replicas=3,
        resources=Resources(cpu_limit='1'),
        env={'MODE': 'two', 'NEW': '1'},
        secret_env_names=('API_KEY',),
        auto_deploy=True,
        watch_paths=('api/*',),
    )
    assert after.changes_from(before) == [
        'replicas 1 → 3',
        'resources cpu limit 500m → 1',
        'variables +NEW -OLD',
        'secret variables +API_KEY -TOKEN',
        'values of MODE',
        'auto deploy off → on',
        'watch paths none → api/*',
    ]


def test_the_first_release_and_an_unchanged_one_say_so():
    first = release(1, 'a' * 40, 'app:1')
    assert first.changes_from(None) == ['First release']
    assert release(2, 'a' * 40, 'app:1').changes_from(first) == ['No change (same build and configuration)']


def test_going_back_to_an_older_build_keeps_the_push_settings_in_force():
    older = Configuration(replicas=3, env={'MODE': 'one'})
    now = Configuration(replicas=1, env={'MODE': 'two'}, auto_deploy=True, watch_paths=('api/*',), previews=True)
    back = older.keeping_github_settings_of(now)
    assert (back.replicas, back.env) == (3, {'MODE': 'one'})
    assert (back.auto_deploy, back.watch_paths, back.previews) == (True, ('api/*',), True)
