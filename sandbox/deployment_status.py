"""A Deployment's status as the controller computes it from its pods, progress deadline included."""

from datetime import UTC, datetime

from sandbox.store import now_text

DEFAULT_PROGRESS_DEADLINE = 600


def _condition(kind: str, status: bool, reason: str, message: str, stamp: str) -> dict:
    return {
        'type': kind,
        'status': 'True' if status else 'False',
        'reason': reason,
        'message': message,
        'lastUpdateTime': stamp,
        'lastTransitionTime': stamp,
    }


def _seconds_since(text: str) -> float:
    return (datetime.now(UTC) - datetime.strptime(text, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=UTC)).total_seconds()


def _progressing(deployment: dict, replica_set: str, complete: bool, progress: tuple, stamp: str) -> dict:
    """Progressing: True while pods move forward; False with ProgressDeadlineExceeded once they stop for longer
    than spec.progressDeadlineSeconds before the rollout completes."""
    previous = deployment.get('status') or {}
    before = next((c for c in previous.get('conditions', []) if c['type'] == 'Progressing'), None)
    moved = progress != (
        previous.get('observedGeneration'),
        previous.get('updatedReplicas'),
        previous.get('readyReplicas'),
    )
    if complete:
        condition = _condition(
            'Progressing',
            True,
            'NewReplicaSetAvailable',
            f'ReplicaSet "{replica_set}" has successfully progressed.',
            stamp,
        )
    elif moved or before is None or before['reason'] == 'NewReplicaSetAvailable':
        condition = _condition(
            'Progressing', True, 'ReplicaSetUpdated', f'ReplicaSet "{replica_set}" is progressing.', stamp
        )
    elif _seconds_since(before['lastUpdateTime']) > deployment['spec'].get(
        'progressDeadlineSeconds', DEFAULT_PROGRESS_DEADLINE
    ):
        condition = _condition(
            'Progressing',
            False,
            'ProgressDeadlineExceeded',
            f'ReplicaSet "{replica_set}" has timed out progressing.',
            stamp,
        )
    else:
        condition = {**before}
    if before and before['status'] == condition['status']:
        condition['lastTransitionTime'] = before['lastTransitionTime']
    if before and before['reason'] == condition['reason'] and not moved:
        condition['lastUpdateTime'] = before['lastUpdateTime']
    return condition


def deployment_status(
    deployment: dict, replica_set: str, desired: int, current: list, ready: list, old: list, failure: str | None
) -> dict:
    """The status the Deployment controller would write, keeping transition times while conditions hold."""
    available = len(ready) >= desired
    stamp = now_text()
    generation = deployment['metadata']['generation']
    progress = (generation, len(current), len(ready))
    complete = available and not old and len(current) == desired
    conditions = [
        _condition(
            'Available',
            available,
            'MinimumReplicasAvailable' if available else 'MinimumReplicasUnavailable',
            'Deployment has minimum availability.' if available else 'Deployment does not have minimum availability.',
            stamp,
        ),
        _progressing(deployment, replica_set, complete, progress, stamp),
    ]
    if failure:
        conditions.append(_condition('ReplicaFailure', True, 'FailedCreate', failure, stamp))
    previous = deployment.get('status') or {}
    for condition in conditions:
        before = next((c for c in previous.get('conditions', []) if c['type'] == condition['type']), None)
        if condition['type'] != 'Progressing' and before and before['status'] == condition['status']:
            if before['reason'] == condition['reason']:
                condition['lastUpdateTime'] = before['lastUpdateTime']
                condition['lastTransitionTime'] = before['lastTransitionTime']
    total = len(current) + len(old)
    status = {
        'observedGeneration': generation,
        'replicas': total,
        'updatedReplicas': len(current),
        'readyReplicas': len(ready),
        'availableReplicas': len(ready),
        'conditions': conditions,
    }
    if total - len(ready):
        status['unavailableReplicas'] = total - len(ready)
    return status
