"""A DNS server on 127.0.0.1 for the tests, built with dnspython: it answers TXT queries from records a test sets,
NXDOMAIN for names it has none for, and stays silent for names a test wants to time out on. Apps under test are
pointed at it (ESPAZE_DNS_SERVERS), so no test asks a resolver beyond loopback."""

import socket
import threading

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


class LoopbackDnsServer:
    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(('127.0.0.1', 0))
        self.port = self._socket.getsockname()[1]
        self.txt: dict[str, list[str]] = {}  # name (no trailing dot) -> TXT values
        self.silent: set[str] = set()
        self.questions: list[str] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def address(self) -> str:
        return f'127.0.0.1:{self.port}'

    def start(self) -> 'LoopbackDnsServer':
        self._thread.start()
        return self

    def stop(self) -> None:
        self._socket.close()

    def _serve(self) -> None:
        while True:
            try:
                data, sender = self._socket.recvfrom(4096)
            except OSError:
                return
            try:
                query = dns.message.from_wire(data)
            except Exception:
                continue
            answer = self._answer(query)
            if answer is not None:
                self._socket.sendto(answer.to_wire(), sender)

    def _answer(self, query: dns.message.Message) -> dns.message.Message | None:
        question = query.question[0]
        name = question.name.to_text().rstrip('.').lower()
        self.questions.append(name)
        if name in self.silent:
            return None
        response = dns.message.make_response(query)
        values = self.txt.get(name)
        if values is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.TXT and values:
            quoted = [f'"{value}"' for value in values]
            response.answer.append(dns.rrset.from_text(question.name, 60, 'IN', 'TXT', *quoted))
        return response
