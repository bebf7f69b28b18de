"""HTTP plumbing: one ASGI middleware per module, and the bounds on the HTTP server."""
