"""X-Forwarded-For is believed only from configured proxies, and only up to the first hop that is not one."""

import pytest

from web.client_address import client_address, trusted_networks

PROXIES = trusted_networks('10.0.0.0/8, 192.168.1.5')


@pytest.mark.parametrize(
    ('peer', 'header', 'expected'),
    [
        ('203.0.113.9', '1.2.3.4', '203.0.113.9'),  # not a proxy: its header is ignored
        ('10.1.2.3', None, '10.1.2.3'),
        ('10.1.2.3', '198.51.100.7', '198.51.100.7'),
        ('10.1.2.3', '6.6.6.6, 198.51.100.7', '198.51.100.7'),  # the client may forge the left part
        ('10.1.2.3', '198.51.100.7, 192.168.1.5', '198.51.100.7'),  # through two proxies
        ('10.1.2.3', 'not-an-address', '10.1.2.3'),
        ('10.1.2.3', '10.9.9.9', '10.1.2.3'),  # only proxies: keep the peer
        (None, '1.2.3.4', None),
    ],
)
def test_the_client_address(peer: str | None, header: str | None, expected: str | None):
    assert client_address(peer, header, PROXIES) == expected


def test_no_proxies_means_the_peer_always():
    assert client_address('10.1.2.3', '198.51.100.7', ()) == '10.1.2.3'


def test_a_bad_proxy_list_is_refused():
    with pytest.raises(ValueError):
        trusted_networks('10.0.0.0/8, my-proxy')
