"""Espaze node agent: enrolls this machine with an enrollment token, then sends a heartbeat every 30 s.

    python agent.py --server https://espaze.example.com --enrollment-token espe_... --latitude 48.85 --longitude 2.35

Needs only Python 3.11 and psutil. The node token is kept in the state file (mode 0600); `--once` sends one beat.
Each failed beat is logged; `-v` adds a status line every `--status-minutes`. SIGTERM stops it with exit code 0.
"""

import argparse
import datetime
import ipaddress
import json
import os
import random
import signal
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psutil

AGENT_VERSION = '1.0.0'
DEFAULT_STATE = Path.home() / '.config' / 'espaze-agent' / 'state.json'
EXIT_REFUSED = 3
EXIT_CONFIG = 2
MAX_BACKOFF_SECONDS = 300.0


class Refused(Exception):
    """The server refused the node's credential (401): retrying cannot help."""


class TooSoon(OSError):
    """The server asks the node to wait before the next beat (429 with Retry-After)."""

    def __init__(self, detail: str, seconds: float) -> None:
        super().__init__(detail)
        self.seconds = seconds


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(description='Espaze node agent')
    parser.add_argument('--server', default=env('ESPAZE_SERVER', 'http://127.0.0.1:8080'), help='Espaze base URL')
    parser.add_argument('--enrollment-token', default=env('ESPAZE_ENROLLMENT_TOKEN'), help='espe_... from Add node')
    parser.add_argument('--state-file', type=Path, default=Path(env('ESPAZE_AGENT_STATE', str(DEFAULT_STATE))))
    parser.add_argument('--public-ip', default=env('ESPAZE_NODE_PUBLIC_IP'), help='default: the default route address')
    parser.add_argument('--latitude', type=float, default=_float(env('ESPAZE_NODE_LATITUDE')))
    parser.add_argument('--longitude', type=float, default=_float(env('ESPAZE_NODE_LONGITUDE')))
    parser.add_argument(
        '--location-file',
        type=Path,
        default=env('ESPAZE_NODE_LOCATION_FILE'),
        help='JSON file with latitude, longitude and optionally accuracyMeters',
    )
    parser.add_argument('--name', default=env('ESPAZE_NODE_NAME'))
    parser.add_argument('--label', action='append', default=[], help='key=value, may be repeated')
    parser.add_argument('--interface', default=env('ESPAZE_NODE_INTERFACE'), help='default: the default route one')
    parser.add_argument('--once', action='store_true', help='send a single heartbeat and exit')
    parser.add_argument('--timeout', type=float, default=10.0, help='seconds per request')
    parser.add_argument('-v', '--verbose', action='store_true', help='a status line every --status-minutes')
    parser.add_argument('--status-minutes', type=float, default=10.0, help='how often -v prints a status line')
    return parser.parse_args(argv)


def say(text: str, *, problem: bool = False) -> None:
    """One timestamped line: what went wrong to stderr, the rest to stdout."""
    moment = datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')
    print(f'{moment} {text}', file=sys.stderr if problem else sys.stdout, flush=True)


class Tally:
    """What the agent did since it started, for its status line and its last words."""

    def __init__(self, status_every: float | None) -> None:
        self.sent = self.failed = 0
        self.last_sent: float | None = None
        self.status_every = status_every
        self.next_status = time.monotonic() + status_every if status_every else None

    def summary(self) -> str:
        ago = f'{time.monotonic() - self.last_sent:.0f} s ago' if self.last_sent is not None else 'never'
        return f'{self.sent} beats sent, {self.failed} failed, last beat {ago}'

    def maybe_report(self, node_id: str) -> None:
        if self.next_status is not None and self.status_every and time.monotonic() >= self.next_status:
            say(f'status: node {node_id}: {self.summary()}')
            self.next_status = time.monotonic() + self.status_every


def _float(value: str | None) -> float | None:
    return float(value) if value not in (None, '') else None


def default_route_interface() -> str | None:
    """The interface of the IPv4 default route (Linux), or None."""
    try:
        lines = Path('/proc/net/route').read_text().splitlines()[1:]
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) > 1 and fields[1] == '00000000':
            return fields[0]
    return None


def interface_identity(name: str | None) -> tuple[str, str | None]:
    """(MAC, first IPv4 address) of the named interface, else of the first one with a real MAC."""
    addresses = psutil.net_if_addrs()
    candidates = [name] if name else [n for n in addresses if n != 'lo']
    for candidate in candidates:
        entries = addresses.get(candidate, [])
        mac = next((a.address for a in entries if a.family == psutil.AF_LINK), None)
        ipv4 = next((a.address for a in entries if a.family == socket.AF_INET), None)
        if mac and mac.replace(':', '').strip('0'):
            return mac.lower(), ipv4
    raise SystemExit(f'no network interface with a MAC address found{f" named {name}" if name else ""}')


def position(args: argparse.Namespace) -> dict[str, float]:
    """The node's position from flags or environment, else from the location file."""
    if args.latitude is not None and args.longitude is not None:
        return {'latitude': args.latitude, 'longitude': args.longitude}
    if args.location_file:
        data = json.loads(Path(args.location_file).read_text())
        place = {'latitude': float(data['latitude']), 'longitude': float(data['longitude'])}
        if data.get('accuracyMeters') is not None:
            place['accuracyMeters'] = float(data['accuracyMeters'])
        return place
    raise SystemExit('the node position is needed: --latitude and --longitude, or --location-file')


def metrics() -> dict[str, float]:
    """CPU, memory and disk use, load and uptime, as psutil reads them."""
    return {
        'cpuPercent': psutil.cpu_percent(interval=None),
        'memoryPercent': psutil.virtual_memory().percent,
        'diskPercent': psutil.disk_usage('/').percent,
        'load1': os.getloadavg()[0],
        'uptimeSeconds': max(0.0, time.time() - psutil.boot_time()),
    }


def request(args: argparse.Namespace, path: str, token: str, body: dict[str, Any] | None) -> dict[str, Any]:
    """POST JSON with a bearer token; 401 raises Refused, other failures raise OSError."""
    data = json.dumps(body or {}).encode()
    call = urllib.request.Request(
        args.server.rstrip('/') + path,
        data=data,
        method='POST',
        headers={
            'Content-Type': 'application/json',
            'Authorization': f'Bearer {token}',
            'User-Agent': f'espaze-agent/{AGENT_VERSION}',
        },
    )
    try:
        with urllib.request.urlopen(call, timeout=args.timeout) as response:
            return json.loads(response.read() or b'{}')
    except urllib.error.HTTPError as error:
        detail = _error_text(error)
        if error.code == 401:
            raise Refused(detail) from None
        if error.code == 429:
            raise TooSoon(detail, _retry_after(error.headers.get('Retry-After'))) from None
        raise OSError(f'HTTP {error.code}: {detail}') from None


def _retry_after(value: str | None) -> float:
    try:
        return min(MAX_BACKOFF_SECONDS, max(1.0, float(value or 30)))
    except ValueError:
        return 30.0


def _error_text(error: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(error.read()).get('error', error.reason))
    except (ValueError, AttributeError):
        return str(error.reason)


def save_state(path: Path, state: dict[str, str]) -> None:
    """Write the node token where only this user can read it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix('.tmp')
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as handle:
        json.dump(state, handle)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def load_state(path: Path) -> dict[str, str] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def enroll(args: argparse.Namespace) -> dict[str, str]:
    """Register this machine with the enrollment token and keep the node token."""
    if not args.enrollment_token:
        raise SystemExit(f'not enrolled yet ({args.state_file} is missing): pass --enrollment-token')
    mac, address = interface_identity(args.interface or default_route_interface())
    public_ip = args.public_ip or address
    if public_ip is None:
        raise SystemExit("could not find this node's address: pass --public-ip")
    ipaddress.ip_address(public_ip)
    body: dict[str, Any] = {
        'macAddress': mac,
        'publicIp': public_ip,
        'location': position(args),
        'agentVersion': AGENT_VERSION,
        'capacity': {'cpuCores': psutil.cpu_count() or 1, 'memoryBytes': psutil.virtual_memory().total},
    }
    if args.name:
        body['name'] = args.name
    if args.label:
        body['labels'] = dict(label.split('=', 1) for label in args.label)
    answer = request(args, '/api/nodes/register', args.enrollment_token, body)
    state = {'server': args.server, 'nodeId': answer['node']['id'], 'nodeToken': answer['nodeToken']}
    save_state(args.state_file, state)
    say(f'enrolled as node {state["nodeId"]} ({answer["node"]["name"]}, {mac})')
    return state


def send_beat(args: argparse.Namespace, state: dict[str, str]) -> int:
    """One heartbeat; returns the number of seconds the server asks to wait."""
    answer = request(
        args,
        f'/api/nodes/{state["nodeId"]}/heartbeat',
        state['nodeToken'],
        {'metrics': metrics(), 'agentVersion': AGENT_VERSION},
    )
    return int(answer.get('nextHeartbeatSeconds', 30))


def run(args: argparse.Namespace, tally: Tally) -> int:
    psutil.cpu_percent(interval=None)  # the first reading only starts the measurement
    state = load_state(args.state_file) or enroll(args)
    failures = 0
    if not args.once:
        every = f'; a status line every {args.status_minutes:g} min' if args.verbose else ' (-v for status lines)'
        say(f'node {state["nodeId"]} beating to {args.server}{every}')
    while True:
        try:
            interval = send_beat(args, state)
            failures = 0
            tally.sent += 1
            tally.last_sent = time.monotonic()
            if args.once:
                say(f'heartbeat sent for node {state["nodeId"]}')
                return 0
            tally.maybe_report(state['nodeId'])
            time.sleep(interval * random.uniform(0.9, 1.1))
        except Refused as refused:
            say(
                f"Espaze refused this node's token ({refused}). The node was revoked or deleted: "
                f'remove {args.state_file} and enroll again with a new enrollment token.',
                problem=True,
            )
            return EXIT_REFUSED
        except TooSoon as asked:
            tally.failed += 1
            if args.once:
                say(f'heartbeat refused for now: {asked}', problem=True)
                return 1
            say(f'Espaze asks to wait ({asked}); next beat in {asked.seconds:.0f} s', problem=True)
            time.sleep(asked.seconds * random.uniform(1.0, 1.1))
        except OSError as error:
            tally.failed += 1
            if args.once:
                say(f'heartbeat failed: {error}', problem=True)
                return 1
            failures += 1
            delay = min(MAX_BACKOFF_SECONDS, 2.0**failures) * random.uniform(0.9, 1.1)
            say(f'heartbeat failed ({error}); retrying in {delay:.0f} s', problem=True)
            time.sleep(delay)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tally = Tally(args.status_minutes * 60 if args.verbose else None)

    def stop(*_: object) -> None:
        say(f'stopping on SIGTERM after {tally.summary()}; the node stays enrolled')
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        return run(args, tally)
    except Refused as refused:
        say(f'Espaze refused the enrollment: {refused}', problem=True)
        return EXIT_REFUSED
    except OSError as error:
        say(f'could not reach Espaze at {args.server}: {error}', problem=True)
        return 1


if __name__ == '__main__':
    sys.exit(main())
