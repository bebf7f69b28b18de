"""Secrets never reach a log line: tokens of GitHub's and Espaze's shapes, JWTs, bearer credentials and
password-like fields are replaced wherever they appear in a message, its arguments or an exception text."""

import logging
import re

PATTERNS = [
    re.compile(r'\b(gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255})'),
    re.compile(r'\b(esp(?:e|at)_[A-Za-z0-9_-]{10,})'),
    re.compile(r'\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}'),
    re.compile(r'(?i)\b(bearer|token|basic)\s+[A-Za-z0-9._~+/=-]{8,}'),
    re.compile(r'(?i)("?(?:password|secret|token|ticket|api_key|apikey)"?\s*[:=]\s*)("[^"]*"|\S+)'),
]
REDACTED = '[redacted]'


def redact(text: str) -> str:
    for pattern in PATTERNS:
        if pattern.groups >= 2:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        else:
            text = pattern.sub(REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message (arguments merged in) and drops its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Redact on every handler of the root logger (and the given one)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
