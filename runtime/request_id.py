"""The id of the request being served, for every log line written while serving it."""

import contextvars

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar('request_id', default='-')


def current_request_id() -> str:
    return request_id_var.get()
