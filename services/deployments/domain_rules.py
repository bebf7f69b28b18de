"""What a custom domain may be: a fully qualified hostname of at least two labels (no wildcard, no IP literal,
no trailing dot kept), at most MAX_DOMAINS per deployment, none twice; and never a host Espaze gives out itself:
Espaze's apps domain, a generated host, or a name under another deployment's generated host."""

import ipaddress
import re

from models.errors import ValidationFailed

MAX_DOMAINS = 10
FIELD = 'configuration.domains'
LABEL = re.compile(r'^(?!-)[a-z0-9-]{1,63}(?<!-)$')
TOP_LABEL = re.compile(r'^(?=.*[a-z])[a-z0-9-]{2,63}(?<!-)$')  # a TLD is never all digits


def normal_domain(text: str) -> str:
    return text.strip().lower().removesuffix('.')


def normal_domains(domains: list[str]) -> tuple[str, ...]:
    return tuple(normal_domain(d) for d in domains)


def domain_problem(domain: str) -> str | None:
    """Why `domain` (already in normal form) is not a hostname Espaze routes; None when it is."""
    if '*' in domain:
        return f'{domain}: wildcards are not accepted; add each host'
    try:
        ipaddress.ip_address(domain.strip('[]'))
        return f'{domain}: an IP address is not a domain'
    except ValueError:
        pass
    labels = domain.split('.')
    if len(domain) > 253 or len(labels) < 2 or not all(LABEL.fullmatch(label) for label in labels):
        return f'{domain}: not a hostname such as www.example.com'
    if not TOP_LABEL.fullmatch(labels[-1]):
        return f'{domain}: its top-level domain is not a name'
    return None


def checked_domains(domains: tuple[str, ...], own_host: str = '', apps_domain: str = '') -> tuple[str, ...]:
    """The domains in normal form, when every one is acceptable; one ValidationFailed listing each refused."""
    if len(domains) > MAX_DOMAINS:
        raise ValidationFailed(FIELD, f'at most {MAX_DOMAINS} domains')
    normal = normal_domains(list(domains))
    problems = [p for p in map(domain_problem, normal) if p]
    if apps_domain:
        problems += [p for d in normal if (p := apps_domain_problem(d, own_host, apps_domain))]
    twice = sorted({d for d in normal if normal.count(d) > 1})
    if twice:
        problems.append(f'{twice[0]} is listed twice')
    if problems:
        raise ValidationFailed(FIELD, '; '.join(problems))
    return normal


def apps_domain_problem(domain: str, own_host: str, apps_domain: str) -> str | None:
    """Espaze's own names are not claimed as custom domains: its apps domain, a generated host (`<name>.<apps
    domain>`, this deployment's included: it has it already), or a name under a generated host other than this
    deployment's own (`api.<its host>` is allowed)."""
    if domain == apps_domain:
        return f'{domain} is the domain Espaze serves deployments under'
    if not domain.endswith('.' + apps_domain):
        return None
    if domain == own_host:
        return f"{domain} is this deployment's own host already"
    if domain.endswith('.' + own_host):
        return None
    return f'{domain} is under {apps_domain}, whose hosts Espaze gives out to deployments'
