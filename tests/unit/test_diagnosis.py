"""Why a rollout is not running, in plain words: each failure the cluster can show."""

from datetime import UTC, datetime

from models.cluster import Condition, EventInfo, PodInfo, RolloutState
from services.deployments.diagnosis import diagnose

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def state(ready: int = 0, replicas: int = 1, conditions: list[Condition] | None = None) -> RolloutState:
    return RolloutState(2, 2, replicas, ready, replicas, ready, conditions or [])


def pod(**problem) -> PodInfo:
    values = {
        'name': 'web-1',
        'phase': 'Running',
        'ready': False,
        'restarts': 0,
        'node': 'n1',
        'waiting_reason': None,
        'waiting_message': None,
        'last_termination_reason': None,
        'last_exit_code': None,
        'started_at': NOW,
    }
    return PodInfo(**{**values, **problem})


def test_ready_replicas_mean_running_and_zero_means_stopped():
    assert diagnose(state(ready=1), [pod(ready=True)], [], 1, 5, 600).outcome == 'running'
    assert diagnose(state(ready=0, replicas=0), [], [], 0, 5, 600).reason == 'Scaled to 0 replicas'
    assert diagnose(state(ready=0), [pod()], [], 1, 5, 600).outcome == 'waiting'


def test_each_failure_is_explained():
    oom = diagnose(state(), [pod(last_termination_reason='OOMKilled', restarts=2)], [], 1, 5, 600)
    assert oom.reason == 'The app ran out of memory and was killed (OOMKilled): raise the memory limit'
    crash = diagnose(state(), [pod(waiting_reason='CrashLoopBackOff', last_exit_code=137, restarts=4)], [], 1, 5, 600)
    assert crash.reason == 'The app keeps crashing (exit code 137, restarted 4 times)'
    pull = diagnose(state(), [pod(waiting_reason='ErrImagePull', waiting_message='manifest unknown')], [], 1, 5, 600)
    assert pull.reason == 'The image could not be pulled (ErrImagePull): manifest unknown'
    event = EventInfo(
        'Pod', 'web-1', 'Warning', 'FailedScheduling', '0/3 nodes are available: 3 Insufficient memory.', 1, NOW
    )
    assert diagnose(state(), [pod()], [event], 1, 5, 600).outcome == 'waiting'  # the scheduler may still find room
    assert diagnose(state(), [pod()], [event], 1, 25, 600).reason == (
        'No node can run it: 0/3 nodes are available: 3 Insufficient memory.'
    )
    stuck = Condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'ReplicaSet "web" has timed out progressing.')
    assert diagnose(state(conditions=[stuck]), [], [], 1, 5, 600).reason.startswith('The rollout made no progress')
    refused = Condition('ReplicaFailure', 'True', 'FailedCreate', 'pods "web" is forbidden: exceeded quota')
    assert 'exceeded quota' in diagnose(state(conditions=[refused]), [], [], 1, 5, 600).reason
    assert diagnose(state(), [pod()], [], 1, 601, 600).reason == 'Not ready after 600 s: 0 of 1 replicas ready'
    assert diagnose(None, [], [], 1, 5, 600).outcome == 'failed'
