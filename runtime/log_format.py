"""How the process writes its log: text lines, or with ESPAZE_LOG_FORMAT=json one JSON object a line, for
Espaze's loggers, uvicorn's, NiceGUI's, the child processes' and uncaught exceptions alike; secrets are redacted
(log_redaction) and a request's id goes with every line written while serving it."""

import json
import logging
import re
import sys
import threading
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from runtime import log_redaction
from runtime.request_id import current_request_id

TEXT = '%(asctime)s %(levelname)s %(name)s: %(message)s'
JSON_FIELDS = '%(asctime)s %(levelname)s %(name)s %(message)s'
RENAMED = {'asctime': 'time', 'levelname': 'level', 'name': 'logger', 'exc_info': 'exception'}
UVICORN_LOGGERS = ('uvicorn', 'uvicorn.error', 'uvicorn.access')
_format = 'text'
CONTROL = re.compile('[\x00-\x1f\x7f\x85\u2028\u2029]')


class EscapingFormatter(logging.Formatter):
    """Text lines whose message can't start a line of its own: control characters (a request path's %0a, a
    user's string) are written escaped, so nobody forges log lines. Tracebacks keep their lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = CONTROL.sub(lambda m: m.group().encode('unicode_escape').decode(), record.message)
        return super().formatMessage(record)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request_id = current_request_id()
        record.requestId = None if request_id == '-' else request_id
        return True


def _formatter(kind: str) -> logging.Formatter:
    if kind == 'json':
        return JsonFormatter(JSON_FIELDS, rename_fields=RENAMED, datefmt='%Y-%m-%dT%H:%M:%S%z')
    return EscapingFormatter(TEXT)


def configure(level: str, kind: str) -> None:
    """One handler on the root logger (stderr) that every logger reaches, in `kind` ('text' or 'json')."""
    global _format
    _format = kind
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, 'espaze', False)]
    if len(ours) == len(root.handlers):  # like basicConfig: leave a host's handlers (pytest's) alone
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_formatter(kind))
        handler.addFilter(RequestIdFilter())
        handler.espaze = True  # type: ignore[attr-defined]
        root.handlers[:] = [handler]
        root.setLevel(level.upper())
    log_redaction.install()
    logging.getLogger('httpx').setLevel(logging.WARNING)  # it logs each request's whole URL (a Slack hook's secret)
    for name in UVICORN_LOGGERS:
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    uncaught = logging.getLogger('espaze.uncaught')
    sys.excepthook = lambda kind_, error, trace: uncaught.critical('uncaught exception', exc_info=(kind_, error, trace))
    threading.excepthook = lambda hook: uncaught.critical(
        'uncaught exception in thread %s',
        hook.thread.name if hook.thread else '?',
        exc_info=(hook.exc_type, hook.exc_value, hook.exc_traceback),
    )


def uvicorn_log_config() -> dict[str, Any]:
    """For uvicorn: no handlers of its own, its records go to the root handler like everyone's."""
    return {
        'version': 1,
        'disable_existing_loggers': False,
        'loggers': {name: {'handlers': [], 'propagate': True} for name in UVICORN_LOGGERS},
    }


def announce(message: str) -> None:
    """A line for the operator on stdout whatever the log level (the address, the setup link)."""
    if _format == 'json':
        line = {'time': datetime.now(UTC).isoformat(), 'level': 'NOTICE', 'logger': 'espaze', 'message': message}
        print(json.dumps(line), flush=True)
    else:
        print(message, flush=True)


def relay(stream, name: str) -> threading.Thread:
    """Log each line a child process writes (at WARNING: they are started quiet, so what they say matters)."""
    logger = logging.getLogger(f'espaze.{name.replace(" ", "-")}')

    def pump() -> None:
        for raw in stream:
            line = raw.decode(errors='replace').rstrip() if isinstance(raw, bytes) else raw.rstrip()
            if line:
                logger.warning('%s', line)

    thread = threading.Thread(target=pump, name=f'{name}-log', daemon=True)
    thread.start()
    return thread
