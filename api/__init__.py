"""The JSON API under /api: one router per area."""

from fastapi import FastAPI

from api import auth, github, health, nodes, users
from api.errors import install_error_handlers


def register(app: FastAPI) -> None:
    """Mount every router and the error handlers on the app."""
    install_error_handlers(app)
    for module in (health, nodes, auth, users, github):  # the hottest routes first: routes are matched in order
        app.include_router(module.router)
