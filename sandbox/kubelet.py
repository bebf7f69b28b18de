"""The kubelets: a scheduled pod is created, pulls its image, starts, and becomes ready once its readiness probe
answers; or it waits on a missing image, crashes in a loop (its exit code, or OOMKilled over its memory limit),
or runs without ever becoming ready because nothing listens where the probe looks.
"""

import random

from sandbox.images import ImageTraits
from sandbox.store import now_text
from sandbox.usage import quantity

CREATING_SECONDS = 1.0
READY_SECONDS = 2.0
CRASH_SECONDS = 2.0
OOM_EXIT_CODE = 137


def _probe_port(container: dict) -> int | None:
    probe = container.get('readinessProbe') or {}
    action = probe.get('httpGet') or probe.get('tcpSocket')
    if not action:
        return None
    port = action.get('port')
    if isinstance(port, str) and not port.isdigit():
        named = {p.get('name'): p['containerPort'] for p in container.get('ports') or []}
        return named.get(port)
    return int(port)


def _exit(traits: ImageTraits, container: dict) -> tuple[int, str] | None:
    """How the app ends soon after it starts, if it does: (exit code, termination reason)."""
    limit = ((container.get('resources') or {}).get('limits') or {}).get('memory')
    if traits.memory_bytes and limit and traits.memory_bytes > quantity(limit):
        return OOM_EXIT_CODE, 'OOMKilled'
    if traits.exit_code is not None:
        return traits.exit_code, 'Error'
    return None


class Kubelet:
    def __init__(self, cluster) -> None:
        self.cluster = cluster
        self._born: dict[str, float] = {}

    def born(self, uid: str, now: float) -> None:
        self._born[uid] = now

    def advance(self, pod: dict, now: float) -> None:
        uid = pod['metadata']['uid']
        if not pod['spec'].get('nodeName') or uid in self.cluster.builds.pods:
            return
        if (pod.get('status') or {}).get('phase') in ('Succeeded', 'Failed'):
            return  # a finished pod (a build's) never runs again
        age = now - self._born.setdefault(uid, now)
        container = pod['spec']['containers'][0]
        traits = self.cluster.builds.traits(container['image'])
        pull_error = self.cluster.builds.pull_error(container['image'])
        ending = _exit(traits, container)
        probe_port = _probe_port(container)
        listening = not traits.ports or probe_port is None or probe_port in traits.ports
        running = age >= CREATING_SECONDS and pull_error is None
        ready = running and age >= READY_SECONDS and ending is None and listening
        previous = pod.get('status') or {}
        restarts, last_state = 0, {}
        if running and ending is not None:
            restarts = int((age - CREATING_SECONDS) / CRASH_SECONDS) + 1
            state, last_state = self._crash(pod, restarts, *ending)
        elif pull_error and age >= CREATING_SECONDS:
            self.cluster.warn_once(pod, 'Failed', pull_error, 'kubelet')
            state = {'waiting': {'reason': 'ImagePullBackOff', 'message': pull_error}}
        elif running:
            if previous.get('phase') != 'Running':
                self._start(pod, traits)
            if not listening and age >= READY_SECONDS:
                self._probe_refused(pod, probe_port)
            state = {'running': {'startedAt': previous.get('startTime') or now_text()}}
            self._work(pod)
        else:
            state = {'waiting': {'reason': 'ContainerCreating'}}
        self._write_status(pod, running, ready, restarts, state, last_state)

    def _crash(self, pod: dict, restarts: int, code: int, reason: str) -> tuple[dict, dict]:
        uid = pod['metadata']['uid']
        previous = ((pod.get('status') or {}).get('containerStatuses') or [{}])[0]
        if restarts != previous.get('restartCount'):
            self.cluster.write_log(uid, 'Starting the app')
            if reason != 'OOMKilled':
                self.cluster.write_log(uid, f'Fatal: the app exited with status {code}')
            self.cluster.warn_once(pod, 'BackOff', 'Back-off restarting failed container app', 'kubelet')
        state = {'waiting': {'reason': 'CrashLoopBackOff', 'message': 'back-off restarting failed container'}}
        return state, {'terminated': {'exitCode': code, 'reason': reason, 'finishedAt': now_text()}}

    def _start(self, pod: dict, traits: ImageTraits) -> None:
        container = pod['spec']['containers'][0]
        for reason, message in (
            ('Pulled', f'Container image "{container["image"]}" already present'),
            ('Created', f'Created container {container["name"]}'),
            ('Started', f'Started container {container["name"]}'),
        ):
            self.cluster.event(pod, reason, message)
        port = traits.ports[0] if traits.ports else next(iter(container.get('ports') or []), {}).get('containerPort')
        self.cluster.write_log(pod['metadata']['uid'], f'Listening on 0.0.0.0:{port or 8080}')

    def _probe_refused(self, pod: dict, port: int | None) -> None:
        address = f'{self._pod_ip(pod)}:{port}'
        path = ((pod['spec']['containers'][0].get('readinessProbe') or {}).get('httpGet') or {}).get('path')
        target = f'Get "http://{address}{path}": ' if path else ''
        message = f'Readiness probe failed: {target}dial tcp {address}: connect: connection refused'
        self.cluster.warn_once(pod, 'Unhealthy', message, 'kubelet')

    def _pod_ip(self, pod: dict) -> str:
        return f'10.244.0.{abs(hash(pod["metadata"]["uid"])) % 250 + 2}'

    def _work(self, pod: dict) -> None:
        self.cluster.usage.work(pod)
        probe = (pod['spec']['containers'][0].get('readinessProbe') or {}).get('httpGet') or {}
        if random.random() < 0.2:
            self.cluster.write_log(
                pod['metadata']['uid'], f'"GET {probe.get("path", "/")} HTTP/1.1" 200 - kube-probe/1.31'
            )

    def _write_status(
        self, pod: dict, running: bool, ready: bool, restarts: int, state: dict, last_state: dict
    ) -> None:
        stamp = now_text()
        previous = pod.get('status') or {}
        statuses = [
            {
                'name': c['name'],
                'image': c['image'],
                'imageID': '',
                'ready': ready,
                'restartCount': restarts,
                'started': running,
                'state': state,
                'lastState': last_state,
            }
            for c in pod['spec']['containers']
        ]
        conditions = [
            {'type': kind, 'status': 'True' if value else 'False', 'lastTransitionTime': stamp}
            for kind, value in (
                ('PodScheduled', True),
                ('Initialized', True),
                ('ContainersReady', ready),
                ('Ready', ready),
            )
        ]
        for condition in conditions:
            before = next((c for c in previous.get('conditions', []) if c['type'] == condition['type']), None)
            if before and before['status'] == condition['status']:
                condition['lastTransitionTime'] = before['lastTransitionTime']
        self.cluster.store.set_status(
            pod,
            {
                'phase': 'Running' if running else 'Pending',
                'conditions': conditions,
                'containerStatuses': statuses,
                'hostIP': '10.0.0.10',
                'podIP': self._pod_ip(pod),
                'qosClass': 'Burstable',
                'startTime': previous.get('startTime') or stamp,
            },
        )
