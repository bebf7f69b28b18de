"""GitHub's webhook signature and the reachability of the address given to GitHub."""

import hashlib
import hmac

from services.github.hooks import signature_matches, unreachable_because

SECRET = 'a' * 64
BODY = b'{"zen": "Keep it logically awesome."}'


def test_the_signature_is_the_hmac_sha256_of_the_raw_body():
    good = 'sha256=' + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert signature_matches(SECRET, BODY, good)
    assert not signature_matches(SECRET, BODY + b' ', good)
    assert not signature_matches('b' * 64, BODY, good)
    assert not signature_matches(SECRET, BODY, None)
    assert not signature_matches(SECRET, BODY, good.replace('sha256=', 'sha1='))
    assert not signature_matches(SECRET, BODY, good.upper())


def test_loopback_and_private_addresses_are_named_and_public_ones_are_not():
    assert unreachable_because('http://127.0.0.1:8080/api/github/webhooks') == '127.0.0.1 is this machine only'
    assert unreachable_because('http://localhost/x') == 'localhost is this machine only'
    assert unreachable_because('https://10.2.3.4/x') == '10.2.3.4 is a private address'
    assert unreachable_because('https://[fd00::1]/x') == 'fd00::1 is a private address'
    assert unreachable_because('https://espaze.example.com/x') is None
    assert unreachable_because('https://8.8.8.8/x') is None
