"""The sandbox's simulated nodes: capacity, allocatable, a Ready condition, addresses and a region label."""

from sandbox.store import BY_KIND, Store, now_text

NODES = BY_KIND['Node']


def add_node(store: Store, name: str, region: str, index: int) -> None:
    capacity = {'cpu': '4', 'memory': '16Gi', 'pods': '110', 'ephemeral-storage': '100Gi'}
    node = {
        'metadata': {
            'name': name,
            'labels': {
                'kubernetes.io/hostname': name,
                'kubernetes.io/os': 'linux',
                'topology.kubernetes.io/region': region,
            },
        },
        'spec': {},
    }
    created = store.create(NODES, None, node)
    allocatable = {**capacity, 'cpu': '3800m', 'memory': '15Gi'}
    ready = {
        'type': 'Ready',
        'status': 'True',
        'reason': 'KubeletReady',
        'message': 'kubelet is posting ready status',
        'lastHeartbeatTime': now_text(),
        'lastTransitionTime': now_text(),
    }
    info = {
        'kubeletVersion': 'v1.31.0-espaze-sandbox',
        'osImage': 'Sandbox Linux',
        'architecture': 'amd64',
        'containerRuntimeVersion': 'sandbox://1.0',
        'operatingSystem': 'linux',
        'kernelVersion': '6.1',
        'kubeProxyVersion': 'v1.31.0',
        'machineID': name,
        'systemUUID': name,
        'bootID': name,
    }
    address = f'10.0.0.{index + 10}'
    store.set_status(
        created,
        {
            'capacity': capacity,
            'allocatable': allocatable,
            'conditions': [ready],
            'addresses': [{'type': 'InternalIP', 'address': address}, {'type': 'Hostname', 'address': name}],
            'nodeInfo': info,
        },
    )
