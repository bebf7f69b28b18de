"""Where a webhook may be sent: never inside. A URL's host is resolved (a name through DNS, an address in any
spelling the C library accepts: decimal, octal, hex, short forms, IPv4-mapped IPv6), and every address it gives
must be a public one. Loopback and private networks are allowed only with ESPAZE_ALLOW_PRIVATE_WEBHOOKS (labs);
link-local (cloud metadata), multicast, reserved and unspecified addresses never are. The delivery then connects to
the address that was checked, so a name that resolves differently a moment later (DNS rebinding) changes nothing."""

import asyncio
import ipaddress
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
RESOLVE_TIMEOUT = 5.0
CARRIER_GRADE_NAT = ipaddress.ip_network('100.64.0.0/10')


class AddressRefused(Exception):
    """The host is, or resolves to, an address webhooks may not reach (the message says which, for admins)."""


class Unresolvable(AddressRefused):
    """The host does not resolve (now): nothing can be sent to it, and nothing about it can be checked yet."""


def _plain(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def refusal(address: IPAddress, allow_private: bool) -> str | None:
    """Why webhooks may not reach `address`, or None when they may."""
    address = _plain(address)
    if address.is_unspecified or address.is_multicast or address.is_link_local or address.is_reserved:
        return 'a link-local, multicast, reserved or unspecified address'
    inside = address.is_loopback or address.is_private or address in CARRIER_GRADE_NAT or not address.is_global
    if inside and not allow_private:
        return 'a loopback or private address (ESPAZE_ALLOW_PRIVATE_WEBHOOKS allows those)'
    return None


async def checked_address(host: str, port: int, allow_private: bool) -> IPAddress:
    """The address to connect to for `host`: every address it resolves to must be allowed (AddressRefused)."""
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT
        )
    except (OSError, TimeoutError, UnicodeError) as error:
        raise Unresolvable(f'{host} does not resolve') from error
    addresses = [ipaddress.ip_address(info[4][0].split('%')[0]) for info in infos]
    if not addresses:
        raise Unresolvable(f'{host} does not resolve')
    for address in addresses:
        if reason := refusal(address, allow_private):
            raise AddressRefused(f'{host} is {reason}')
    return addresses[0]
