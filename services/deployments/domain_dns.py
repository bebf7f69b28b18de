"""The DNS check of a custom domain: the TXT records at `_espaze-challenge.<domain>`, asked through dnspython's
resolver (the system's, or the name servers `ESPAZE_DNS_SERVERS` names), bounded by a timeout and never cached."""

import dns.asyncresolver
import dns.exception
import dns.nameserver
import dns.resolver


class DnsProblem(Exception):
    """The DNS could not say (timeout, no server answered): the domain stays as it was."""


class TxtLookup:
    def __init__(self, servers: list[tuple[str, int]], timeout_seconds: float) -> None:
        self._servers = servers
        self._timeout = timeout_seconds

    def _resolver(self) -> dns.asyncresolver.Resolver:
        try:
            resolver = dns.asyncresolver.Resolver(configure=not self._servers)
        except dns.resolver.NoResolverConfiguration:
            raise DnsProblem('this machine has no DNS resolver configured (set ESPAZE_DNS_SERVERS)') from None
        if self._servers:
            resolver.nameservers = [dns.nameserver.Do53Nameserver(host, port) for host, port in self._servers]
        resolver.timeout = resolver.lifetime = self._timeout
        return resolver

    async def txt(self, name: str) -> list[str]:
        """The TXT strings at `name` (each record's strings joined); none when the name or its records don't exist."""
        try:
            answer = await self._resolver().resolve(name, 'TXT', search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except dns.resolver.LifetimeTimeout:
            raise DnsProblem(f'the DNS did not answer within {self._timeout:g} s') from None
        except dns.resolver.NoNameservers:
            raise DnsProblem('no name server could answer for it (SERVFAIL or refused)') from None
        except dns.exception.DNSException:
            raise DnsProblem('the DNS lookup failed') from None
        return [b''.join(record.strings).decode(errors='replace') for record in answer]
