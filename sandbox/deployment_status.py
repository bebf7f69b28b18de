"""A Deployment's status as the controller computes it from its pods."""

from sandbox.store import now_text


def deployment_status(
    deployment: dict, desired: int, current: list, ready: list, old: list, failure: str | None
) -> dict:
    """The status the Deployment controller would write, keeping transition times while conditions hold."""
    available = len(ready) >= desired
    stamp = now_text()
    conditions = [
        {
            'type': 'Available',
            'status': 'True' if available else 'False',
            'reason': 'MinimumReplicasAvailable' if available else 'MinimumReplicasUnavailable',
            'message': 'Deployment has minimum availability.'
            if available
            else 'Deployment does not have minimum availability.',
            'lastUpdateTime': stamp,
            'lastTransitionTime': stamp,
        },
        {
            'type': 'Progressing',
            'status': 'True',
            'reason': 'NewReplicaSetAvailable' if available and not old else 'ReplicaSetUpdated',
            'message': f'ReplicaSet "{deployment["metadata"]["name"]}" is progressing.',
            'lastUpdateTime': stamp,
            'lastTransitionTime': stamp,
        },
    ]
    if failure:
        conditions.append(
            {
                'type': 'ReplicaFailure',
                'status': 'True',
                'reason': 'FailedCreate',
                'message': failure,
                'lastUpdateTime': stamp,
                'lastTransitionTime': stamp,
            }
        )
    previous = deployment.get('status') or {}
    for condition in conditions:  # keep transition times while a condition holds, as the controller does
        before = next((c for c in previous.get('conditions', []) if c['type'] == condition['type']), None)
        if before and before['status'] == condition['status'] and before['reason'] == condition['reason']:
            condition['lastUpdateTime'] = before['lastUpdateTime']
            condition['lastTransitionTime'] = before['lastTransitionTime']
    total = len(current) + len(old)
    status = {
        'observedGeneration': deployment['metadata']['generation'],
        'replicas': total,
        'updatedReplicas': len(current),
        'readyReplicas': len(ready),
        'availableReplicas': len(ready),
        'conditions': conditions,
    }
    if total - len(ready):
        status['unavailableReplicas'] = total - len(ready)
    return status
