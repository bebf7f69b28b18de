"""The JSON API under /api: one router per area."""

from fastapi import FastAPI

from api import (
    audit,
    auth,
    cluster,
    deployments,
    domains,
    github,
    github_webhooks,
    health,
    metrics,
    nodes,
    openapi,
    prometheus,
    sessions,
    tokens,
    users,
    webhooks,
)
from api.errors import install_error_handlers


def register(app: FastAPI) -> None:
    """Mount every router and the error handlers on the app."""
    install_error_handlers(app)
    openapi.install(app)
    lifespan = app.router.lifespan_context
    # the hottest routes first: routes are matched in order
    for module in (
        health,
        nodes,
        prometheus,
        auth,
        tokens,
        sessions,
        users,
        github_webhooks,
        github,
        cluster,
        deployments,
        domains,
        metrics,
        webhooks,
        audit,
    ):
        app.include_router(module.router)
    # These routers have no lifespan, but FastAPI wraps the app's in one more layer per include; in the tests,
    # which register the routers again on the same app for every test, the layers would pile up without end.
    app.router.lifespan_context = lifespan
