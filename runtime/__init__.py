"""The process itself: logging and its redaction, request ids, child processes, the embedded database."""
