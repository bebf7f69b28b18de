"""The cookie that binds a GitHub sign-in to the browser that started it: the callback wants it back."""

from fastapi import Request, Response

from services.github.connection import OAUTH_STATE_LIFETIME

OAUTH_COOKIE = 'espaze_github_oauth'
OAUTH_COOKIE_PATH = '/api/github/oauth/callback'


def bind_oauth_to_browser(request: Request, response: Response, browser_nonce: str) -> None:
    """The cookie only the browser that starts a GitHub sign-in holds; the callback wants it back."""
    response.set_cookie(
        OAUTH_COOKIE,
        browser_nonce,
        max_age=int(OAUTH_STATE_LIFETIME.total_seconds()),
        path=OAUTH_COOKIE_PATH,
        httponly=True,
        samesite='lax',  # sent on the top-level redirect back from GitHub, not on other sites' requests
        secure=getattr(request.app.state, 'https_cookies', False),
    )
