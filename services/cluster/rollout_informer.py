"""Every Deployment's rollout state, kept by an informer (informer.py), so that the rollout engine can see which
in-flight deployments have nothing to decide yet without asking the cluster."""

from collections.abc import Callable
from typing import Any

from models.cluster import Condition, RolloutState
from services.cluster.informer import Informer, object_key
from services.cluster.manifests import DEPLOYMENT_ID


def rollout_state(deployment: dict) -> RolloutState:
    """What `ClusterReads.rollout` tells of a Deployment, from the API server's JSON."""
    status = deployment.get('status') or {}
    return RolloutState(
        generation=(deployment.get('metadata') or {}).get('generation') or 0,
        observed_generation=status.get('observedGeneration') or 0,
        replicas=status.get('replicas') or 0,
        ready=status.get('readyReplicas') or 0,
        updated=status.get('updatedReplicas') or 0,
        available=status.get('availableReplicas') or 0,
        conditions=[
            Condition(c.get('type', ''), c.get('status', ''), c.get('reason'), c.get('message'))
            for c in status.get('conditions') or []
        ],
    )


class RolloutInformer(Informer):
    kind = 'deployment'

    def __init__(self, apps_api: Any, request_timeout: float) -> None:
        super().__init__(apps_api.list_deployment_for_all_namespaces, request_timeout)
        self._states: dict[tuple[str, str], RolloutState] = {}
        # told the Espaze deployment id of each Deployment that has just rolled out (called in the watch's thread)
        self.on_rolled_out: Callable[[str], None] | None = None

    def state(self, namespace: str, name: str) -> RolloutState | None:
        self.check_synced()
        with self._lock:
            return self._states.get((namespace, name))

    def replace_all(self, objects: list[dict]) -> None:
        self._states = {object_key(obj): rollout_state(obj) for obj in objects}

    def apply(self, key: tuple[str, str], obj: dict | None) -> None:
        if obj is None:
            self._states.pop(key, None)
            return
        before, self._states[key] = self._states.get(key), rollout_state(obj)
        deployment_id = ((obj.get('metadata') or {}).get('labels') or {}).get(DEPLOYMENT_ID)
        if self.on_rolled_out and deployment_id and _rolled_out(self._states[key]) and not _rolled_out(before):
            self.on_rolled_out(deployment_id)


def _rolled_out(state: RolloutState | None) -> bool:
    """Every replica of its latest generation updated and ready (a step has something to decide)."""
    return (
        state is not None
        and state.observed_generation >= state.generation
        and state.ready >= state.replicas
        and state.updated >= state.replicas
    )
