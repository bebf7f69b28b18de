"""The sessions of an account: its owner lists and ends them; an admin lists and ends anyone's."""

from datetime import datetime

from fastapi import APIRouter, Response, status

from api.deps import AdminUser, CurrentSession, ServicesDep
from api.schemas import CamelModel
from services.session_list import SessionView

router = APIRouter(prefix='/api', tags=['sessions'])


class SessionOut(CamelModel):
    id: str
    kind: str
    device: str
    address: str | None
    started_at: datetime | None
    last_seen_at: datetime | None
    current: bool


class SessionList(CamelModel):
    items: list[SessionOut]


class Ended(CamelModel):
    ended: int


def _listed(views: list[SessionView]) -> SessionList:
    return SessionList(items=[SessionOut.of(view) for view in views])


@router.get('/sessions')
async def my_sessions(session: CurrentSession, services: ServicesDep) -> SessionList:
    """This account's live sessions (browsers and API logins), the most recently seen first."""
    user, current = session
    return _listed(await services.sessions.of_user(user, user.id, current))


@router.delete('/sessions/{session_id}', status_code=status.HTTP_204_NO_CONTENT)
async def end_my_session(session_id: str, session: CurrentSession, services: ServicesDep) -> Response:
    """End one of this account's sessions: its pages leave and its tokens stop working."""
    await services.sessions.end(session[0], session[0].id, session_id[:64])
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete('/sessions')
async def end_my_other_sessions(session: CurrentSession, services: ServicesDep) -> Ended:
    """End every session of this account but the one making this request."""
    user, current = session
    return Ended(ended=await services.sessions.end_others(user, user.id, keep=current))


@router.get('/users/{user_id}/sessions')
async def user_sessions(user_id: str, admin: AdminUser, services: ServicesDep) -> SessionList:
    """An account's live sessions (admins only)."""
    return _listed(await services.sessions.of_user(admin, user_id))


@router.delete('/users/{user_id}/sessions/{session_id}', status_code=status.HTTP_204_NO_CONTENT)
async def end_user_session(user_id: str, session_id: str, admin: AdminUser, services: ServicesDep) -> Response:
    """End one session of an account (admins only); recorded in the audit log."""
    await services.sessions.end(admin, user_id, session_id[:64])
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete('/users/{user_id}/sessions')
async def end_user_sessions(user_id: str, admin: AdminUser, services: ServicesDep) -> Ended:
    """End every session of an account (admins only); recorded in the audit log."""
    return Ended(ended=await services.sessions.end_others(admin, user_id))
