"""The status steps tell the truth for every path a rollout takes: built or skipped, rolling, failed where, stopped."""

import dataclasses
from datetime import UTC, datetime, timedelta

from models.deployments import Deployment, DeploymentRequest, Status, StatusChange
from pages.components.deployment_steps import duration, steps_of

T0 = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
IMAGE = 'nginx:1.27'


def _deployment(*changes: tuple[Status, int], prebuilt: bool = False, image: str | None = None) -> Deployment:
    request = DeploymentRequest('web', '' if prebuilt else 'octo/web', '' if prebuilt else 'main')
    if prebuilt:
        request = dataclasses.replace(request, image=IMAGE)
    new = Deployment.new('o1', request, None if prebuilt else 'a' * 40, T0)
    history = [StatusChange(status, '', T0 + timedelta(seconds=second)) for status, second in changes]
    return dataclasses.replace(new, status=history[-1].status, history=history, image=IMAGE if prebuilt else image)


def _seen(deployment: Deployment, at: int = 100) -> list[tuple[str, str, str]]:
    return [(s.name, s.state, s.detail) for s in steps_of(deployment, T0 + timedelta(seconds=at))]


def test_a_build_then_rollout_then_running_carries_each_duration():
    d = _deployment((Status.PENDING, 0), (Status.BUILDING, 1), (Status.DEPLOYING, 41), (Status.RUNNING, 53))
    assert _seen(d) == [
        ('Building', 'done', '40 s'),
        ('Deploying', 'done', '12 s'),
        ('Running', 'done', 'ready after 53 s'),
    ]


def test_a_prebuilt_image_skips_the_build_and_a_rollout_in_progress_is_not_running():
    d = _deployment((Status.PENDING, 0), (Status.DEPLOYING, 1), prebuilt=True)
    assert _seen(d, 10) == [
        ('Building', 'skipped', 'skipped: prebuilt image'),
        ('Deploying', 'current', '9 s'),
        ('Running', 'waiting', ''),
    ]


def test_a_new_rollout_after_running_takes_the_green_check_off_running():
    d = _deployment(
        (Status.PENDING, 0), (Status.BUILDING, 1), (Status.DEPLOYING, 41), (Status.RUNNING, 53),
        (Status.PENDING, 200), (Status.BUILDING, 201),
        image=None,
    )  # fmt: skip
    assert _seen(d, 261) == [
        ('Building', 'current', '1 min'),
        ('Deploying', 'waiting', ''),
        ('Running', 'waiting', ''),
    ]


def test_a_rollback_skips_the_build_of_an_image_built_before():
    d = _deployment(
        (Status.PENDING, 0), (Status.BUILDING, 1), (Status.DEPLOYING, 41), (Status.RUNNING, 53),
        (Status.PENDING, 200), (Status.DEPLOYING, 201),
        image='registry/o1/web:abc',
    )  # fmt: skip
    assert _seen(d, 205)[0] == ('Building', 'skipped', 'skipped: image built before')


def test_a_failure_is_red_at_the_step_where_it_happened():
    build_failed = _deployment((Status.PENDING, 0), (Status.BUILDING, 1), (Status.FAILED, 31))
    assert _seen(build_failed)[:2] == [('Building', 'failed', 'failed after 30 s'), ('Deploying', 'waiting', '')]
    rollout_failed = _deployment((Status.PENDING, 0), (Status.DEPLOYING, 1), (Status.FAILED, 301), prebuilt=True)
    assert _seen(rollout_failed)[1:] == [
        ('Deploying', 'failed', 'failed after 5 min'),
        ('Running', 'waiting', ''),
    ]
    crashed = _deployment((Status.PENDING, 0), (Status.DEPLOYING, 1), (Status.RUNNING, 5), (Status.FAILED, 90))
    assert [s[1] for s in _seen(crashed)] == ['skipped', 'done', 'failed']


def test_a_stopped_deployment_is_stopped_not_running():
    d = _deployment(
        (Status.PENDING, 0), (Status.DEPLOYING, 1), (Status.RUNNING, 5),
        (Status.PENDING, 60), (Status.DEPLOYING, 61), (Status.STOPPED, 63),
        prebuilt=True,
    )  # fmt: skip
    assert _seen(d) == [
        ('Building', 'skipped', 'skipped: prebuilt image'),
        ('Deploying', 'done', '2 s'),
        ('Running', 'stopped', 'stopped: 0 replicas'),
    ]


def test_a_restart_is_a_new_attempt_without_pending():
    d = _deployment((Status.PENDING, 0), (Status.DEPLOYING, 1), (Status.RUNNING, 5), (Status.DEPLOYING, 60))
    assert [s[1] for s in _seen(d, 62)] == ['skipped', 'current', 'waiting']


def test_durations_read_as_a_person_says_them():
    assert [duration(s) for s in (0, 59.6, 60, 61, 3599, 7260)] == [
        '0 s',
        '1 min',
        '1 min',
        '1 min 1 s',
        '59 min 59 s',
        '2 h 1 min',
    ]
