"""Who sent a request: the peer's address, or the one a trusted proxy says it forwarded (X-Forwarded-For is
believed only when the peer itself is a configured proxy, and then only up to the first untrusted hop)."""

from ipaddress import ip_address, ip_network


def trusted_networks(text: str) -> tuple:
    """`10.0.0.0/8, 127.0.0.1` -> networks; ValueError on anything else."""
    return tuple(ip_network(part.strip(), strict=False) for part in text.split(',') if part.strip())


def _trusted(address: str, networks: tuple) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def client_address(peer: str | None, forwarded_for: str | None, networks: tuple) -> str | None:
    if peer is None or not forwarded_for or not _trusted(peer, networks):
        return peer
    for hop in reversed([part.strip() for part in forwarded_for.split(',')]):
        try:
            ip_address(hop)
        except ValueError:
            return peer  # a forged or broken header: keep the proxy's own word
        if not _trusted(hop, networks):
            return hop
    return peer


def address_of(request) -> str | None:
    """The address of a Starlette request's client, with the app's trusted proxies (`app.state.trusted_networks`)."""
    networks = getattr(request.app.state, 'trusted_networks', ())
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.get('x-forwarded-for'), networks)
