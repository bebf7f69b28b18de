"""Open pages act with the authority their session has now, not the one it had when they loaded.

Every UI event of a signed-in page (click, change, submit) first resolves the page's session to its account: live,
enabled, the same role. If it does not, the event does nothing and the page leaves: for /login when the session
ended (logout, password change, a disabled account), or reloads into the new role. Separately, `watch` looks every
few seconds at the sessions behind this process's open pages (two queries) and does the same for each.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from nicegui import Client, background_tasks, core, ui

from models.accounts import Role, User
from services.auth import AuthService
from web.login_guard import login_target

log = logging.getLogger(__name__)

LEAVE_GRACE_SECONDS = 0.5  # time for the navigation to reach the browser before its socket is closed
MOST_PAGES_PER_SESSION = 20


@dataclass
class _GuardedPage:
    session_id: str
    user_id: str
    role: Role


class PageGuard:
    def __init__(self, auth: AuthService, watch_seconds: float, anonymous_per_address: int = 50) -> None:
        self._auth = auth
        self._watch_seconds = watch_seconds
        self._pages: dict[str, _GuardedPage] = {}  # by NiceGUI client id
        self._anonymous_per_address = anonymous_per_address
        self._anonymous: dict[str, list[str]] = {}  # client address -> ids of the pages it opened without a session

    def admits_anonymous(self, client: Client, address: str | None) -> bool:
        """Whether a client without a session (login, sign-up, setup) may open one more page from this address;
        each page holds memory until its tab closes, or for a minute when it never connects."""
        key = address or '?'
        live = [cid for cid in self._anonymous.get(key, []) if cid in Client.instances]
        if len(live) >= self._anonymous_per_address:
            self._anonymous[key] = live
            return False
        self._anonymous[key] = [*live, client.id]
        return True

    def admits(self, session_id: str) -> bool:
        """Whether this session may open one more page (each open page holds memory, a socket and timers)."""
        open_now = [cid for cid, page in self._pages.items() if page.session_id == session_id]
        return sum(cid in Client.instances for cid in open_now) < MOST_PAGES_PER_SESSION

    def protect(self, client: Client, session_id: str, user: User) -> None:
        """From now on, each event of `client` runs only while `session_id` still resolves to `user`'s authority."""
        page = _GuardedPage(session_id, user.id, user.role)
        self._pages[client.id] = page
        deliver = client.handle_event
        previous: asyncio.Task | None = None

        def checked_event(message: dict) -> None:
            nonlocal previous
            before = previous

            async def check_then_deliver() -> None:
                if before is not None:  # events keep their order (a value change before the click that reads it)
                    await asyncio.wait([before])
                user = await self._auth.user_for_session(page.session_id)
                if user is not None and user.id == page.user_id and user.role == page.role:
                    deliver(message)
                else:
                    await self._leave(client, reload=user is not None and user.id == page.user_id)

            previous = background_tasks.create(check_then_deliver(), name=f'checked event {client.id}')

        client.handle_event = checked_event  # type: ignore[method-assign]

    def session_of(self, client: Client) -> str | None:
        """The session the page was opened under (its events run only while that session is live)."""
        page = self._pages.get(client.id)
        return page.session_id if page else None

    def release(self, client: Client) -> str | None:
        """The page's session, which the page is about to end itself: from now on its events are dropped quietly
        (a menu closing after "Log out" must not send the page elsewhere than where logging out goes)."""
        page = self._pages.pop(client.id, None)
        return page.session_id if page else None

    def open_pages(self) -> int:
        return len(self._pages)

    async def watch(self, sleep: Callable = asyncio.sleep) -> None:
        """Close, every few seconds, the open pages whose session ended; runs until cancelled."""
        while True:
            await sleep(self._watch_seconds)
            try:
                await self.close_ended()
            except Exception:  # the database may be away for a moment; the next round tries again
                log.warning('could not check the sessions of open pages', exc_info=True)

    async def close_ended(self) -> None:
        """One query for the sessions behind every open page of this process; the pages of ended ones leave."""
        for address in [a for a, ids in self._anonymous.items() if not any(i in Client.instances for i in ids)]:
            del self._anonymous[address]
        for client_id in [cid for cid in self._pages if cid not in Client.instances]:
            self._pages.pop(client_id, None)
        if not self._pages:
            return
        live = await self._auth.live_sessions(list({page.session_id for page in self._pages.values()}))
        for client_id, page in list(self._pages.items()):
            client = Client.instances.get(client_id)
            now = live.get(page.session_id)
            if client is not None and now != (page.user_id, page.role):
                reload = now is not None and now[0] == page.user_id
                background_tasks.create(self._leave(client, reload), name=f'close page {client_id}')

    async def _leave(self, client: Client, reload: bool = False) -> None:
        """Send the page to /login (or reload it into the account's new role), then end its sockets."""
        if self._pages.pop(client.id, None) is None or client.is_deleted:
            return
        with client:
            if reload:
                ui.navigate.reload()
            else:
                ui.navigate.to(login_target(client.request.url.path))
        await asyncio.sleep(LEAVE_GRACE_SECONDS)
        for socket_id in list(client._socket_to_document_id):  # NiceGUI's record of the page's sockets
            await core.sio.disconnect(socket_id)
        client.delete()
