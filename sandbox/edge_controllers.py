"""What a Gateway API implementation and cert-manager write back, so that the whole flow works without a real
cluster:
- a Gateway is Accepted and Programmed; each listener reports ResolvedRefs false (`RefNotPermitted`) when it
  names a Secret in another namespace that no ReferenceGrant opens to it, or (`InvalidCertificateRef`) a Secret
  that does not exist;
- an HTTPRoute is Accepted by each parent Gateway that exists (else `NoMatchingParent`), and by the listener its
  `sectionName` names only when the Gateway has it and admits the route's namespace (else `NoMatchingParent` or
  `NotAllowedByListeners`); ResolvedRefs is true when every backend Service exists (else `BackendNotFound`);
- cert-manager's ingress-shim makes a Certificate for each `tls` block of an Ingress carrying its issuer
  annotation (owned by the Ingress, with its labels), and deletes those no block names any more;
- a Certificate reports `Issuing` first and is Ready with its Secret at the next pass, except for a name under
  `.invalid` (RFC 2606), which fails as an ACME order for it would."""

from datetime import UTC, datetime, timedelta

from sandbox.store import BY_KIND, Store, now_text

GATEWAYS, ROUTES, SERVICES = BY_KIND['Gateway'], BY_KIND['HTTPRoute'], BY_KIND['Service']
CERTIFICATES, SECRETS, INGRESSES = BY_KIND['Certificate'], BY_KIND['Secret'], BY_KIND['Ingress']
GRANTS = BY_KIND['ReferenceGrant']
ISSUER_ANNOTATIONS = {'cert-manager.io/cluster-issuer': 'ClusterIssuer', 'cert-manager.io/issuer': 'Issuer'}
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
    for ingress in store.every(INGRESSES):
        _ingress_shim(store, ingress)
    for gateway in store.every(GATEWAYS):
        _gateway_status(store, gateway)
    for route in store.every(ROUTES):
        _route_status(store, route)
    for certificate in store.every(CERTIFICATES):
        _certificate_status(store, certificate)


def _gateway_status(store: Store, gateway: dict) -> None:
    generation = gateway['metadata'].get('generation', 1)
    status = gateway.get('status') or {}
    conditions = [
        _condition('Accepted', True, 'Accepted', 'Gateway is accepted', generation),
        _condition('Programmed', True, 'Programmed', 'Gateway is programmed', generation),
    ]
    before = {item['name']: item for item in status.get('listeners') or []}
    listeners = []
    for listener in (gateway.get('spec') or {}).get('listeners') or []:
        ok, reason, message = _certificate_refs(store, gateway, listener)
        old = (before.get(listener['name']) or {}).get('conditions') or []
        listener_conditions = [
            _condition('Accepted', True, 'Accepted', 'Listener is accepted', generation),
            _condition('ResolvedRefs', ok, reason, message, generation),
            _condition('Programmed', ok, 'Programmed' if ok else 'Invalid', message, generation),
        ]
        listeners.append(
            {
                'name': listener['name'],
                'attachedRoutes': 0,
                'supportedKinds': [{'group': 'gateway.networking.k8s.io', 'kind': 'HTTPRoute'}],
                'conditions': _same_conditions(old, listener_conditions),
            }
        )
    store.set_status(
        gateway,
        {
            'conditions': _same_conditions(status.get('conditions') or [], conditions),
            'addresses': [{'type': 'IPAddress', 'value': '192.0.2.10'}],
            'listeners': listeners,
        },
    )


def _certificate_refs(store: Store, gateway: dict, listener: dict) -> tuple[bool, str, str]:
    home = gateway['metadata']['namespace']
    for ref in (listener.get('tls') or {}).get('certificateRefs') or []:
        namespace = ref.get('namespace', home)
        if namespace != home and not _granted(store, namespace, home):
            return False, 'RefNotPermitted', f'Secret {namespace}/{ref["name"]} is not open to this Gateway'
        if store.find(SECRETS, namespace, ref['name']) is None:
            return False, 'InvalidCertificateRef', f'Secret {namespace}/{ref["name"]} does not exist'
    return True, 'ResolvedRefs', 'All references resolved'


def _granted(store: Store, namespace: str, gateway_namespace: str) -> bool:
    """Whether a ReferenceGrant in `namespace` lets Gateways of `gateway_namespace` read its Secrets."""
    for grant in store.every(GRANTS, namespace):
        spec = grant.get('spec') or {}
        sources = any(f['kind'] == 'Gateway' and f['namespace'] == gateway_namespace for f in spec.get('from') or [])
        if sources and any(t['kind'] == 'Secret' and t.get('group', '') == '' for t in spec.get('to') or []):
            return True
    return False


def _admits(gateway: dict, listener: dict, route_namespace: str) -> bool:
    namespaces = (listener.get('allowedRoutes') or {}).get('namespaces') or {}
    allowed = namespaces.get('from', 'Same')
    labels = (namespaces.get('selector') or {}).get('matchLabels') or {}
    return (
        allowed == 'All'
        or (allowed == 'Same' and route_namespace == gateway['metadata']['namespace'])
        or (allowed == 'Selector' and labels == {'kubernetes.io/metadata.name': route_namespace})
    )


def _listener_refusal(gateway: dict, ref: dict, route_namespace: str) -> tuple[str, str] | None:
    """Why the Gateway takes no route from the namespace (None: it does): the listener `sectionName` names is
    missing or does not admit it, or, without a sectionName, no listener admits it."""
    listeners = gateway['spec'].get('listeners') or []
    if ref.get('sectionName'):
        listeners = [x for x in listeners if x['name'] == ref['sectionName']]
        if not listeners:
            return 'NoMatchingParent', f'Gateway has no listener {ref["sectionName"]}'
    if not any(_admits(gateway, x, route_namespace) for x in listeners):
        return 'NotAllowedByListeners', f'No listener of the Gateway admits routes from {route_namespace}'
    return None


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
        (p['parentRef'].get('namespace'), p['parentRef']['name'], p['parentRef'].get('sectionName')): p
        for p in (route.get('status') or {}).get('parents') or []
    }
    parents = []
    for ref in spec.get('parentRefs') or []:
        namespace = ref.get('namespace', meta['namespace'])
        gateway = store.find(GATEWAYS, namespace, ref['name'])
        refusal = ('NoMatchingParent', f'Gateway {namespace}/{ref["name"]} not found') if gateway is None else None
        refusal = refusal or _listener_refusal(gateway, ref, meta['namespace'])
        conditions = [
            _condition(
                'Accepted',
                refusal is None,
                refusal[0] if refusal else 'Accepted',
                refusal[1] if refusal else 'Route is accepted',
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
        old = (before.get((ref.get('namespace'), ref['name'], ref.get('sectionName'))) or {}).get('conditions') or []
        parents.append(
            {'parentRef': ref, 'controllerName': CONTROLLER, 'conditions': _same_conditions(old, conditions)}
        )
    store.set_status(route, {'parents': parents})


def _ingress_shim(store: Store, ingress: dict) -> None:
    meta = ingress['metadata']
    issuer = next(
        (
            (kind, name)
            for key, kind in ISSUER_ANNOTATIONS.items()
            if (name := (meta.get('annotations') or {}).get(key))
        ),
        None,
    )
    if issuer is None:
        return
    owner = {'apiVersion': 'networking.k8s.io/v1', 'kind': 'Ingress', 'name': meta['name'], 'uid': meta['uid']}
    blocks = [b for b in (ingress.get('spec') or {}).get('tls') or [] if b.get('secretName')]
    for block in blocks:
        if store.find(CERTIFICATES, meta['namespace'], block['secretName']):
            continue
        certificate = {
            'metadata': {
                'name': block['secretName'],
                'labels': dict(meta.get('labels') or {}),  # the shim copies the Ingress's labels
                'ownerReferences': [owner],
            },
            'spec': {
                'secretName': block['secretName'],
                'dnsNames': list(block.get('hosts') or []),
                'issuerRef': {'group': 'cert-manager.io', 'kind': issuer[0], 'name': issuer[1]},
            },
        }
        store.create(CERTIFICATES, meta['namespace'], certificate)
    wanted = {b['secretName'] for b in blocks}
    for certificate in store.every(CERTIFICATES, meta['namespace']):  # and prunes those no block asks for any more
        owners = certificate['metadata'].get('ownerReferences') or []
        if any(o.get('uid') == meta['uid'] for o in owners) and certificate['metadata']['name'] not in wanted:
            store.delete(CERTIFICATES, meta['namespace'], certificate['metadata']['name'])


def _certificate_status(store: Store, certificate: dict) -> None:
    meta, spec = certificate['metadata'], certificate.get('spec') or {}
    generation = meta.get('generation', 1)
    status = certificate.get('status') or {}
    old = status.get('conditions') or []
    failing = [name for name in spec.get('dnsNames') or [] if name == 'invalid' or name.endswith('.invalid')]
    if failing:
        message = f'Failed to finalize the ACME order: no valid authorization for {failing[0]}'
        failed = _condition('Ready', False, 'Failed', message, generation)
        store.set_status(certificate, {'conditions': _same_conditions(old, [failed])})
        return
    if not old:  # a new Certificate: issued at the next pass
        issuing = _condition('Ready', False, 'Issuing', 'Issuing certificate as Secret does not exist', generation)
        store.set_status(certificate, {'conditions': [issuing]})
        return
    if store.find(SECRETS, meta['namespace'], spec['secretName']) is None:
        secret = {
            'metadata': {'name': spec['secretName'], 'annotations': {'cert-manager.io/certificate-name': meta['name']}},
            'type': 'kubernetes.io/tls',
            'data': {'tls.crt': '', 'tls.key': ''},
        }
        store.create(SECRETS, meta['namespace'], secret)
    ready = _condition('Ready', True, 'Ready', 'Certificate is up to date and has not expired', generation)
    issued = (datetime.now(UTC) + CERTIFICATE_LIFETIME).replace(microsecond=0).isoformat().replace('+00:00', 'Z')
    expires = status.get('notAfter') or issued
    store.set_status(certificate, {'conditions': _same_conditions(old, [ready]), 'notAfter': expires})
