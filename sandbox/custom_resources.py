"""The custom resources the sandbox serves, from the official CRDs in `sandbox/crds` (Gateway API v1.6.1 standard
channel, cert-manager v1.21.1): each object is checked against its CRD's OpenAPI v3 schema with jsonschema, and
what fails gets the API server's 422 naming every refused field. (CEL rules, `x-kubernetes-validations`, are not
evaluated: the schema's types, patterns, enums, bounds and required fields are.)"""

from functools import cache
from pathlib import Path

import yaml
from jsonschema import Draft7Validator

from sandbox.resource import Resource

CRDS = Path(__file__).resolve().parent / 'crds'
FAST_SAFE_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)  # libyaml when built in: 0.06 s, not 0.7
SERVED_VERSION = 'v1'


def _load() -> dict[Resource, dict]:
    schemas = {}
    for path in sorted(CRDS.glob('*.yaml')):
        spec = yaml.load(path.read_text(), Loader=FAST_SAFE_LOADER)['spec']
        version = next(v for v in spec['versions'] if v['name'] == SERVED_VERSION and v['served'])
        names = spec['names']
        resource = Resource(
            spec['group'], SERVED_VERSION, names['plural'], names['kind'], spec['scope'] == 'Namespaced'
        )
        schemas[resource] = version['schema']['openAPIV3Schema']
    return schemas


SCHEMAS = _load()
CUSTOM_RESOURCES = list(SCHEMAS)


@cache
def _validator(resource: Resource) -> Draft7Validator:
    return Draft7Validator(SCHEMAS[resource])


def _field(path) -> str:
    text = ''
    for part in path:
        text += f'[{part}]' if isinstance(part, int) else f'.{part}' if text else str(part)
    return text or '<root>'


def schema_causes(resource: Resource, obj: dict) -> list[tuple[str, str]]:
    """(field, message) for each way `obj` fails its CRD's schema (its status is not checked: a subresource)."""
    if resource not in SCHEMAS:
        return []
    checked = {key: value for key, value in obj.items() if key != 'status'}
    errors = sorted(_validator(resource).iter_errors(checked), key=lambda e: list(map(str, e.absolute_path)))
    return [(_field(error.absolute_path), error.message[:300]) for error in errors]
