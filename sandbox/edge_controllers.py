"""What a Gateway API implementation and cert-manager write back, so that the whole flow works without a real
cluster: a Gateway is Accepted and Programmed; an HTTPRoute is Accepted by each parent Gateway that exists (else
`NoMatchingParent`) with ResolvedRefs true when every backend Service exists (else `BackendNotFound`); a
Certificate is Ready and its Secret written."""

from datetime import UTC, datetime, timedelta

from sandbox.store import BY_KIND, Store, now_text

GATEWAYS, ROUTES, SERVICES = BY_KIND['Gateway'], BY_KIND['HTTPRoute'], BY_KIND['Service']
CERTIFICATES, SECRETS = BY_KIND['Certificate'], BY_KIND['Secret']
CONTROLLER = 'sandbox.espaze.dev/gateway-controller'
CERTIFICATE_LIFETIME = timedelta(days=90)


def _condition(kind: str, ok: bool, reason: str, message: str, generation: int) -> dict:
    return {
        'type': kind,
        'status': 'True' if ok else 'False',
        'reason': reason,
        'message': message,
        'observedGeneration': generation,
        'lastTransitionTime': now_text(),
    }


def _same_conditions(old: list[dict], new: list[dict]) -> list[dict]:
    """The new conditions, keeping each one's transition time while its status stays the same."""
    before = {c['type']: c for c in old}
    return [
        {**c, 'lastTransitionTime': before[c['type']]['lastTransitionTime']}
        if c['type'] in before and before[c['type']]['status'] == c['status']
        else c
        for c in new
    ]


def reconcile(store: Store) -> None:
    for gateway in store.every(GATEWAYS):
        generation = gateway['metadata'].get('generation', 1)
        old = (gateway.get('status') or {}).get('conditions') or []
        conditions = [
            _condition('Accepted', True, 'Accepted', 'Gateway is accepted', generation),
            _condition('Programmed', True, 'Programmed', 'Gateway is programmed', generation),
        ]
        store.set_status(
            gateway,
            {
                'conditions': _same_conditions(old, conditions),
                'addresses': [{'type': 'IPAddress', 'value': '192.0.2.10'}],
            },
        )
    for route in store.every(ROUTES):
        _route_status(store, route)
    for certificate in store.every(CERTIFICATES):
        _certificate_status(store, certificate)


def _route_status(store: Store, route: dict) -> None:
    meta, spec = route['metadata'], route.get('spec') or {}
    generation = meta.get('generation', 1)
    missing = [
        ref['name']
        for rule in spec.get('rules') or []
        for ref in rule.get('backendRefs') or []
        if ref.get('kind', 'Service') == 'Service'
        and store.find(SERVICES, ref.get('namespace', meta['namespace']), ref['name']) is None
    ]
    before = {
        (p['parentRef'].get('namespace'), p['parentRef']['name']): p
        for p in (route.get('status') or {}).get('parents') or []
    }
    parents = []
    for ref in spec.get('parentRefs') or []:
        namespace = ref.get('namespace', meta['namespace'])
        found = store.find(GATEWAYS, namespace, ref['name']) is not None
        conditions = [
            _condition(
                'Accepted',
                found,
                'Accepted' if found else 'NoMatchingParent',
                'Route is accepted' if found else f'Gateway {namespace}/{ref["name"]} not found',
                generation,
            ),
            _condition(
                'ResolvedRefs',
                not missing,
                'ResolvedRefs' if not missing else 'BackendNotFound',
                'Resolved all the Object references for the Route'
                if not missing
                else f'Service {missing[0]} not found',
                generation,
            ),
        ]
        old = (before.get((ref.get('namespace'), ref['name'])) or {}).get('conditions') or []
        parents.append(
            {'parentRef': ref, 'controllerName': CONTROLLER, 'conditions': _same_conditions(old, conditions)}
        )
    store.set_status(route, {'parents': parents})


def _certificate_status(store: Store, certificate: dict) -> None:
    meta, spec = certificate['metadata'], certificate.get('spec') or {}
    generation = meta.get('generation', 1)
    old = (certificate.get('status') or {}).get('conditions') or []
    if store.find(SECRETS, meta['namespace'], spec['secretName']) is None:
        secret = {
            'metadata': {'name': spec['secretName'], 'annotations': {'cert-manager.io/certificate-name': meta['name']}},
            'type': 'kubernetes.io/tls',
            'data': {'tls.crt': '', 'tls.key': ''},
        }
        store.create(SECRETS, meta['namespace'], secret)
    ready = _condition('Ready', True, 'Ready', 'Certificate is up to date and has not expired', generation)
    issued = (datetime.now(UTC) + CERTIFICATE_LIFETIME).replace(microsecond=0).isoformat().replace('+00:00', 'Z')
    expires = (certificate.get('status') or {}).get('notAfter') or issued
    store.set_status(certificate, {'conditions': _same_conditions(old, [ready]), 'notAfter': expires})
