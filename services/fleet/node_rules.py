"""What a node may claim about itself: MAC, IP address, position, labels, name."""

import ipaddress
import math
import re

from models.errors import ValidationFailed

MAX_LABELS = 64
_MAC = re.compile(r'^[0-9a-f]{2}([:-]?)[0-9a-f]{2}(\1[0-9a-f]{2}){4}$')
_LABEL_NAME = re.compile(r'^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$')
_DNS_SUBDOMAIN = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')
_NODE_NAME = re.compile(r'^[A-Za-z0-9]([-A-Za-z0-9_. ]{0,61}[A-Za-z0-9])?$')


def canonical_mac(raw: str, field: str = 'macAddress') -> str:
    """Lower-case colon form of a unicast-usable MAC; broadcast and all-zero are refused."""
    text = raw.strip().lower()
    if not _MAC.fullmatch(text):
        raise ValidationFailed(field, 'must be six octets, like 00:1a:2b:3c:4d:5e')
    digits = re.sub('[^0-9a-f]', '', text)
    if digits in ('000000000000', 'ffffffffffff'):
        raise ValidationFailed(field, 'must not be all zeros or the broadcast address')
    return ':'.join(digits[i : i + 2] for i in range(0, 12, 2))


def checked_ip(raw: str, allow_private: bool, field: str = 'publicIp') -> str:
    """A valid IP address, public unless private ones are allowed (labs)."""
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        raise ValidationFailed(field, 'must be an IPv4 or IPv6 address') from None
    if not allow_private and not address.is_global:
        raise ValidationFailed(field, 'must be a public address (set ESPAZE_ALLOW_PRIVATE_NODE_IPS=true for labs)')
    return str(address)


def checked_position(latitude: float, longitude: float, accuracy: float | None, field: str = 'location') -> None:
    """Finite coordinates in range, and a non-negative accuracy."""
    if not math.isfinite(latitude) or not -90 <= latitude <= 90:
        raise ValidationFailed(f'{field}.latitude', 'must be a number from -90 to 90')
    if not math.isfinite(longitude) or not -180 <= longitude <= 180:
        raise ValidationFailed(f'{field}.longitude', 'must be a number from -180 to 180')
    if accuracy is not None and (not math.isfinite(accuracy) or not 0 <= accuracy <= 1e7):
        raise ValidationFailed(f'{field}.accuracyMeters', 'must be a number from 0 to 10,000,000')


def checked_labels(labels: dict[str, str], field: str = 'labels') -> dict[str, str]:
    """Labels that follow Kubernetes' rules for keys (optional DNS prefix, 63-character name) and values."""
    if len(labels) > MAX_LABELS:
        raise ValidationFailed(field, f'must have at most {MAX_LABELS} entries')
    for key, value in labels.items():
        prefix, _, name = key.rpartition('/')
        if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix)):
            raise ValidationFailed(field, f'key "{key[:80]}" has an invalid prefix (a DNS subdomain)')
        if not _LABEL_NAME.fullmatch(name):
            raise ValidationFailed(field, f'key "{key[:80]}" must be 1-63 letters, digits, "-", "_" or "."')
        if value and not _LABEL_NAME.fullmatch(value):
            raise ValidationFailed(field, f'value of "{key[:80]}" must be at most 63 letters, digits, "-", "_" or "."')
    return dict(labels)


def checked_node_name(raw: str | None, mac: str) -> str:
    """A display name of 1-63 characters; `node-` and the MAC's last three octets when none is given."""
    name = (raw or '').strip() or 'node-' + mac.replace(':', '')[-6:]
    if not _NODE_NAME.fullmatch(name):
        raise ValidationFailed(
            'name', 'must be 1-63 letters, digits, spaces, "-", "_" or ".", starting and ending with a letter or digit'
        )
    return name
