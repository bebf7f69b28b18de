"""What a custom domain may be, before anything is claimed: a hostname in normal form, never a wildcard or an IP,
never Espaze's own names except under the deployment's own host."""

import pytest

from models.errors import ValidationFailed
from services.deployments.domain_rules import apps_domain_problem, checked_domains, domain_problem

APPS = 'apps.espaze.io'


def test_domains_are_kept_in_normal_form():
    assert checked_domains((' Shop.Example.COM. ', 'xn--bcher-kva.example')) == (
        'shop.example.com',
        'xn--bcher-kva.example',
    )


@pytest.mark.parametrize(
    'text',
    [
        '*.example.com',
        'a.*.example.com',
        '192.0.2.1',
        '::1',
        '[2001:db8::1]',
        'localhost',
        'example.42',
        '-a.example.com',
        'a-.example.com',
        'a..example.com',
        'under_score.example.com',
        'a' * 64 + '.example.com',
        ('a.' * 127) + 'com',
    ],
)
def test_what_is_not_a_routable_hostname_is_refused(text: str):
    assert domain_problem(text.lower()) is not None


def test_every_refusal_is_named_together_under_the_field():
    with pytest.raises(ValidationFailed) as refused:
        checked_domains(('*.example.com', 'ok.example.com', 'OK.example.com'))
    [(field, message)] = refused.value.problems
    assert field == 'configuration.domains' and 'wildcards' in message and 'listed twice' in message
    with pytest.raises(ValidationFailed, match='at most 10'):
        checked_domains(tuple(f'd{n}.example.com' for n in range(11)))


def test_espazes_own_names_are_refused_but_under_the_deployments_own_host():
    own = f'shop.{APPS}'
    assert apps_domain_problem(APPS, own, APPS) is not None
    assert apps_domain_problem(own, own, APPS) is not None
    assert apps_domain_problem(f'blog.{APPS}', own, APPS) is not None
    assert apps_domain_problem(f'api.blog.{APPS}', own, APPS) is not None
    assert apps_domain_problem(f'api.{own}', own, APPS) is None
    assert apps_domain_problem('shop.example.com', own, APPS) is None
    assert apps_domain_problem(f'x{APPS}', own, APPS) is None  # a different name that merely ends alike
