"""The agent's retry rhythm, without a network: jittered beats, exponential backoff, stop on 401; what it says while
it runs, and how it stops."""

import signal
import socket
import subprocess
import sys
import time  # noqa: F401
from pathlib import Path

import pytest

import agent


@pytest.fixture
def enrolled(monkeypatch: pytest.MonkeyPatch, tmp_path):
    state = tmp_path / 'state.json'
    agent.save_state(state, {'server': 'http://x', 'nodeId': 'n1', 'nodeToken': 't'})
    sleeps: list[float] = []
    monkeypatch.setattr(agent.time, 'sleep', sleeps.append)
    return agent.parse_args(['--state-file', str(state), '--server', 'http://x']), sleeps


def _beats(monkeypatch: pytest.MonkeyPatch, outcomes: list) -> None:
    """Each beat gives the next outcome: the seconds to wait, or the error it raises."""
    upcoming = iter(outcomes)

    def fake_beat(*_):
        outcome = next(upcoming)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(agent, 'send_beat', fake_beat)


def test_failures_back_off_exponentially_and_a_success_resets(monkeypatch: pytest.MonkeyPatch, enrolled):
    args, sleeps = enrolled
    _beats(monkeypatch, [OSError('down'), OSError('down'), OSError('down'), 30, agent.Refused('revoked')])
    assert agent.run(args, agent.Tally(None)) == agent.EXIT_REFUSED
    backoff, beat_wait = sleeps[:3], sleeps[3]
    for attempt, delay in enumerate(backoff, start=1):
        assert 0.9 * 2**attempt <= delay <= 1.1 * 2**attempt
    assert 27 <= beat_wait <= 33  # 30 s with +-10 % jitter


def test_backoff_is_capped(monkeypatch: pytest.MonkeyPatch, enrolled):
    args, sleeps = enrolled
    calls = iter(range(12))

    def always_down(*_):
        if next(calls) == 11:
            raise agent.Refused('stop')
        raise OSError('down')

    monkeypatch.setattr(agent, 'send_beat', always_down)
    agent.run(args, agent.Tally(None))
    assert max(sleeps) <= agent.MAX_BACKOFF_SECONDS * 1.1


def test_a_429_waits_as_long_as_the_server_asks_without_counting_a_failure(monkeypatch: pytest.MonkeyPatch, enrolled):
    args, sleeps = enrolled
    outcomes = iter([OSError('down'), agent.TooSoon('too many heartbeats', 42), OSError('down'), agent.Refused('x')])

    def fake_beat(*_):
        raise next(outcomes)

    monkeypatch.setattr(agent, 'send_beat', fake_beat)
    agent.run(args, agent.Tally(None))
    assert 42 <= sleeps[1] <= 42 * 1.1
    assert 0.9 * 4 <= sleeps[2] <= 1.1 * 4  # the second failure in a row: the 429 neither reset nor counted


def test_retry_after_is_read_bounded_and_defaulted():
    assert agent._retry_after('17') == 17
    assert agent._retry_after('0') == 1 and agent._retry_after('99999') == agent.MAX_BACKOFF_SECONDS
    assert agent._retry_after(None) == 30 and agent._retry_after('soon') == 30


def test_each_failed_beat_is_logged_and_verbose_adds_a_status_line(
    monkeypatch: pytest.MonkeyPatch, enrolled, capsys: pytest.CaptureFixture
):
    args, _ = enrolled
    args.verbose, args.status_minutes = True, 1
    clock = iter(range(0, 10_000, 45))  # each look at the clock is 45 s later
    monkeypatch.setattr(agent.time, 'monotonic', lambda: next(clock))
    _beats(monkeypatch, [30, OSError('connection refused'), 30, 30, agent.Refused('revoked')])
    agent.run(args, agent.Tally(60))
    out, err = capsys.readouterr()
    assert 'beating to http://x; a status line every 1 min' in out
    assert 'heartbeat failed (connection refused); retrying in' in err
    status = [line for line in out.splitlines() if 'status: node n1:' in line]
    assert status and ' failed, last beat ' in status[0]
    assert all(line[:4].isdigit() and line[19] == 'Z' for line in (out + err).splitlines())  # timestamped


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def test_sigterm_stops_the_agent_with_exit_code_0_and_a_message(tmp_path: Path):
    state = tmp_path / 'state.json'
    agent.save_state(state, {'server': 'x', 'nodeId': 'n1', 'nodeToken': 't'})
    server = f'http://127.0.0.1:{_closed_port()}'  # nobody listens: beats fail and it backs off
    process = subprocess.Popen(
        [sys.executable, agent.__file__, '--server', server, '--state-file', str(state)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        assert 'heartbeat failed' in process.stderr.readline()  # it runs and logs the failed beat
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0
    assert 'stopping on SIGTERM after 0 beats sent, 1 failed' in out and 'the node stays enrolled' in out
