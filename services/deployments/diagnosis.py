"""Why a rollout is not running, in plain words, from the Deployment's conditions, its pods and their events."""

from dataclasses import dataclass

from models.cluster import EventInfo, PodInfo, RolloutState

PULL_FAILURES = ('ImagePullBackOff', 'ErrImagePull', 'InvalidImageName')
SCHEDULING_PATIENCE_SECONDS = 20


@dataclass(frozen=True)
class Verdict:
    outcome: str  # running, stopped, failed, waiting
    reason: str


def diagnose(
    state: RolloutState | None,
    pods: list[PodInfo],
    events: list[EventInfo],
    desired: int,
    elapsed_seconds: float,
    deadline_seconds: float,
    memory_limit: str = '',
    scheduling_patience_seconds: float = SCHEDULING_PATIENCE_SECONDS,
) -> Verdict:
    probe_failure = next((f'. {e.message}' for e in events if e.reason == 'Unhealthy'), '')
    if state is None:
        return Verdict('failed', 'The Deployment is missing from the cluster: redeploy to create it again')
    for condition in state.conditions:
        if condition.type == 'ReplicaFailure' and condition.status == 'True':
            return Verdict('failed', f'The cluster refused to create pods: {condition.message}')
        if condition.type == 'Progressing' and condition.reason == 'ProgressDeadlineExceeded':
            return Verdict(
                'failed', f'The rollout made no progress in time: {condition.message.rstrip(".")}{probe_failure}'
            )
    for pod in pods:
        if pod.waiting_reason in PULL_FAILURES:
            return Verdict('failed', f'The image could not be pulled ({pod.waiting_reason}): {pod.waiting_message}')
        if pod.last_termination_reason == 'OOMKilled':
            limit = f', limit {memory_limit}' if memory_limit else ''
            return Verdict(
                'failed', f'The app ran out of memory and was killed (OOMKilled{limit}): raise the memory limit'
            )
        if pod.waiting_reason == 'CrashLoopBackOff':
            code = f'exit code {pod.last_exit_code}' if pod.last_exit_code is not None else 'no exit code'
            return Verdict('failed', f'The app keeps crashing ({code}, restarted {pod.restarts} times)')
    unschedulable = [e for e in events if e.reason == 'FailedScheduling']
    if unschedulable and elapsed_seconds >= scheduling_patience_seconds:
        return Verdict('failed', f'No node can run it: {unschedulable[0].message}')
    settled = state.observed_generation >= state.generation and state.updated >= desired
    if settled and state.ready >= desired and state.replicas == desired:
        if desired == 0:
            return Verdict('stopped', 'Scaled to 0 replicas')
        return Verdict('running', f'{state.ready} of {desired} replicas ready')
    if elapsed_seconds > deadline_seconds:
        return Verdict(
            'failed',
            f'Not ready after {deadline_seconds:.0f} s: {state.ready} of {desired} replicas ready{probe_failure}',
        )
    return Verdict('waiting', f'{state.ready} of {desired} replicas ready')
