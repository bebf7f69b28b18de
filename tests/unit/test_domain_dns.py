"""The DNS check through dnspython against the tests' DNS server on loopback: the TXT values, none for a name
without records, and a timeout said as such."""

import time

import pytest

from services.deployments.domain_dns import DnsProblem, TxtLookup
from tests.support.dns_server import LoopbackDnsServer


async def test_txt_values_are_read_and_a_missing_name_has_none(dns_server: LoopbackDnsServer):
    lookup = TxtLookup([('127.0.0.1', dns_server.port)], timeout_seconds=2)
    dns_server.txt['_espaze-challenge.txt.example.com'] = ['v=spf1 -all', 'espaze-verification=abc']
    found = await lookup.txt('_espaze-challenge.txt.example.com')
    assert sorted(found) == ['espaze-verification=abc', 'v=spf1 -all']  # a record set has no order
    assert await lookup.txt('_espaze-challenge.nothing.example.com') == []


async def test_a_silent_server_is_a_problem_said_within_the_timeout(dns_server: LoopbackDnsServer):
    dns_server.silent.add('_espaze-challenge.silent.example.com')
    lookup = TxtLookup([('127.0.0.1', dns_server.port)], timeout_seconds=0.5)
    started = time.monotonic()
    with pytest.raises(DnsProblem, match=r'did not answer within 0\.5 s'):
        await lookup.txt('_espaze-challenge.silent.example.com')
    assert time.monotonic() - started < 2
