"""The few admission checks of the real API server that Espaze's manifests must pass (422 `Invalid`)."""

import re

from sandbox.custom_resources import schema_causes
from sandbox.store import Resource, invalid

DNS_LABEL = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')
DNS_1035 = re.compile(r'^[a-z]([-a-z0-9]*[a-z0-9])?$')
DATA_KEY = re.compile(r'^[-._a-zA-Z0-9]+$')
LABEL_VALUE = re.compile(r'^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$')


def _pod_spec_causes(spec: dict, prefix: str) -> list[tuple[str, str]]:
    causes = []
    containers = spec.get('containers') or []
    if not containers:
        causes.append((f'{prefix}.containers', 'Required value'))
    for index, container in enumerate(containers):
        name = container.get('name') or ''
        if not DNS_LABEL.match(name) or len(name) > 63:
            causes.append((f'{prefix}.containers[{index}].name', f'"{name}": must be a DNS label'))
        if not container.get('image'):
            causes.append((f'{prefix}.containers[{index}].image', 'Required value'))
        for port_index, port in enumerate(container.get('ports') or []):
            if not 1 <= int(port.get('containerPort', 0)) <= 65535:
                causes.append((f'{prefix}.containers[{index}].ports[{port_index}].containerPort', 'must be 1-65535'))
    return causes


def validate(resource: Resource, obj: dict) -> None:
    """Raise the API server's 422 for what it would refuse."""
    meta = obj.get('metadata') or {}
    name = meta.get('name', '')
    causes: list[tuple[str, str]] = schema_causes(resource, obj)
    for key, value in (meta.get('labels') or {}).items():
        if not isinstance(value, str) or len(value) > 63 or not LABEL_VALUE.match(value):
            causes.append((f'metadata.labels[{key}]', f'"{value}": a valid label must be 63 characters or less'))
    if resource.kind == 'Namespace' and (len(name) > 63 or not DNS_LABEL.match(name)):
        causes.append(('metadata.name', f'"{name}": a DNS-1123 label must be at most 63 characters'))
    if resource.kind == 'Service' and (len(name) > 63 or not DNS_1035.match(name)):
        causes.append(('metadata.name', f'"{name}": a DNS-1035 label must start with a letter'))
    if resource.kind in ('ConfigMap', 'Secret'):
        for key in {**(obj.get('data') or {}), **(obj.get('stringData') or {})}:
            if not DATA_KEY.match(key):
                causes.append(
                    (f'data[{key}]', "a valid config key must consist of alphanumeric characters, '-', '_' or '.'")
                )
    spec = obj.get('spec') or {}
    if resource.kind == 'Deployment':
        template = spec.get('template') or {}
        selector = (spec.get('selector') or {}).get('matchLabels') or {}
        labels = (template.get('metadata') or {}).get('labels') or {}
        if not selector or any(labels.get(k) != v for k, v in selector.items()):
            causes.append(('spec.template.metadata.labels', '`selector` does not match template `labels`'))
        if int(spec.get('replicas', 1)) < 0:
            causes.append(('spec.replicas', 'must be greater than or equal to 0'))
        causes += _pod_spec_causes(template.get('spec') or {}, 'spec.template.spec')
    if resource.kind == 'Job':
        pod_spec = (spec.get('template') or {}).get('spec') or {}
        if pod_spec.get('restartPolicy') not in ('Never', 'OnFailure'):
            causes.append(('spec.template.spec.restartPolicy', 'supported values: "OnFailure", "Never"'))
        causes += _pod_spec_causes(pod_spec, 'spec.template.spec')
    if resource.kind == 'Service':
        for index, port in enumerate(spec.get('ports') or []):
            if not 1 <= int(port.get('port', 0)) <= 65535:
                causes.append((f'spec.ports[{index}].port', 'must be between 1 and 65535'))
    if causes:
        raise invalid(resource, name, causes)


def restricted_violations(pod_spec: dict) -> list[str]:
    """What Pod Security Admission's `restricted` level refuses in a pod (the checks Espaze's pods must pass)."""
    found = []
    pod_context = pod_spec.get('securityContext') or {}
    for container in pod_spec.get('containers') or []:
        context = container.get('securityContext') or {}
        if context.get('allowPrivilegeEscalation') is not False:
            found.append(f'allowPrivilegeEscalation != false (container "{container.get("name")}")')
        if 'ALL' not in ((context.get('capabilities') or {}).get('drop') or []):
            found.append(f'unrestricted capabilities (container "{container.get("name")}" must drop "ALL")')
        if not (context.get('runAsNonRoot') or pod_context.get('runAsNonRoot')):
            found.append(f'runAsNonRoot != true (container "{container.get("name")}")')
        profile = (context.get('seccompProfile') or pod_context.get('seccompProfile') or {}).get('type')
        if profile not in ('RuntimeDefault', 'Localhost'):
            found.append(f'seccompProfile (container "{container.get("name")}" must set type "RuntimeDefault")')
    return found
