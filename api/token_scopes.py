"""Which scope an API token needs for a request, from the route it matched.

Reads need `read`; the deployment actions a CI pipeline takes need `deploy`; every other change needs `admin`.
What guards the account itself (its sessions, tokens, password and second factor) takes a person's session, never
an API token."""

from fastapi import Request

from models.api_tokens import Scope

DEPLOY_ROUTES = {
    ('POST', '/api/deployments'),
    ('POST', '/api/deployments/{deployment_id}/redeploy'),
    ('POST', '/api/deployments/{deployment_id}/scale'),
    ('POST', '/api/deployments/{deployment_id}/restart'),
    ('POST', '/api/deployments/{deployment_id}/rollback'),
    ('POST', '/api/deployments/{deployment_id}/cancel'),
    ('POST', '/api/deployments/{deployment_id}/domains/{domain}/check'),
}
READ_ONLY_EXCEPTIONS = {('GET', '/api/auth/me')}  # who the token speaks for
SESSION_ONLY_PREFIXES = ('/api/auth/', '/api/tokens', '/api/sessions', '/api/github/oauth/')
SESSION_ONLY_PARTS = ('/sessions', '/totp')


def route_path(request: Request) -> str:
    route = request.scope.get('route')
    return getattr(route, 'path', request.url.path)


def scope_needed(request: Request) -> Scope | None:
    """The scope a token needs for this request; None when no token may make it."""
    path = route_path(request)
    if (request.method, path) in READ_ONLY_EXCEPTIONS:
        return Scope.READ
    if path.startswith(SESSION_ONLY_PREFIXES) or any(part in path for part in SESSION_ONLY_PARTS):
        return None
    if request.method in ('GET', 'HEAD'):
        return Scope.READ
    if (request.method, path) in DEPLOY_ROUTES:
        return Scope.DEPLOY
    return Scope.ADMIN
