"""The frame every signed-in page lives in: header, user menu and navigation drawer."""

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from fastapi import Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from nicegui import app, ui

from models.accounts import Theme, User
from models.errors import NotFound
from pages.components.cluster_status import sandbox_banner
from pages.components.quick_search import QuickSearch
from pages.page_guard import MOST_PAGES_PER_SESSION
from pages.session import current_session_id, log_out_browser, session_user
from services.registry import Services
from web.client_address import address_of
from web.login_guard import login_redirect

TWO_FACTOR_SETUP_PAGE = '/account'  # where an account that must set up two-factor is sent
NAVIGATION = [
    ('Dashboard', 'dashboard', '/'),
    ('Deployments', 'rocket_launch', '/deployments'),
    ('Nodes', 'hub', '/nodes'),
    ('Observatory', 'show_chart', '/observatory'),
    ('Settings', 'settings', '/settings'),
]

# log lines wrap instead of running off a narrow screen; Tailwind's slate and amber shades read on a dark page
SHARED_CSS = """
.espaze-log .q-scrollarea__content { white-space: pre-wrap; overflow-wrap: anywhere; }
.body--dark .text-slate-500, .body--dark .text-slate-600 { color: #94a3b8 !important; }
.body--dark .text-slate-700, .body--dark .text-slate-800, .body--dark .text-slate-900 { color: #e2e8f0 !important; }
.body--dark .bg-slate-50, .body--dark .bg-slate-100 { background-color: #1e293b !important; }
.body--dark .bg-amber-50, .body--dark .bg-amber-100 { background-color: #422006 !important; }
.body--dark .text-amber-800, .body--dark .text-amber-900 { color: #fcd34d !important; }
.body--dark .text-red-700 { color: #fca5a5 !important; }
"""
# Charts in tabs are not responsive (NiceGUI's observer would resize one hidden or gone: a console error); a
# window resize redraws those that are displayed.
RESIZE_TAB_CHARTS = """<script>
(() => {
  let timer;
  window.addEventListener('resize', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      for (const plot of document.querySelectorAll('.espaze-tab-chart.js-plotly-plot')) {
        const chart = getElement(plot);
        if (plot.offsetParent !== null && chart && chart.Plotly) chart.Plotly.Plots.resize(plot);
      }
    }, 150);
  });
})();
</script>"""
THEME_ICONS = {Theme.AUTO: 'brightness_auto', Theme.LIGHT: 'light_mode', Theme.DARK: 'dark_mode'}
NEXT_THEME = {Theme.AUTO: Theme.DARK, Theme.DARK: Theme.LIGHT, Theme.LIGHT: Theme.AUTO}
THEME_WORDS = {Theme.AUTO: 'follows the system', Theme.LIGHT: 'light', Theme.DARK: 'dark'}

PageBody = Callable[[User], Awaitable[None]]
T = TypeVar('T')


@contextmanager
def frame(services: Services, user: User, title: str) -> Iterator[None]:
    """Header with product name and user menu, a drawer with the sections, and the page's content column."""
    ui.add_css(SHARED_CSS)
    ui.add_body_html(RESIZE_TAB_CHARTS)
    ui.context.client.on_exception(
        lambda: ui.notify('Something went wrong. Please try again.', type='negative', multi_line=True)
    )

    async def log_out() -> None:
        await log_out_browser(services, app.state.page_guard.release(ui.context.client))

    theme = {'now': user.theme}
    dark = ui.dark_mode(_dark_value(user.theme))

    async def switch_theme() -> None:
        chosen = await services.accounts.set_theme(user, NEXT_THEME[theme['now']])
        theme['now'] = chosen
        dark.set_value(_dark_value(chosen))
        theme_button.props(f'icon={THEME_ICONS[chosen]} aria-label="Theme: {THEME_WORDS[chosen]}"')
        ui.notify(f'Theme: {THEME_WORDS[chosen]} (remembered)', type='info')

    search = QuickSearch(services, user)
    with ui.header().classes('items-center justify-between bg-slate-800 px-3 py-2'):
        with ui.row().classes('items-center gap-2 no-wrap'):
            ui.button(icon='menu', on_click=lambda: drawer.toggle()).props('flat round color=white aria-label=Menu')
            ui.label('Espaze').classes('text-xl font-semibold text-white')
        ui.space()
        ui.button(icon='search', on_click=search.open).props('flat round color=white aria-label="Search (/)"').mark(
            'search-button'
        )
        theme_button = ui.button(icon=THEME_ICONS[user.theme], on_click=switch_theme)
        theme_button.props(f'flat round color=white aria-label="Theme: {THEME_WORDS[user.theme]}"').mark('theme')
        with ui.button(icon='account_circle').props('flat no-caps color=white aria-label="User menu"'):
            ui.label(user.name).classes('ml-1 max-w-[10rem] truncate gt-xs')
            with ui.menu():
                ui.menu_item(f'{user.email} ({user.role.value})').props('disable')
                ui.menu_item('Account', on_click=lambda: ui.navigate.to('/account'))
                ui.menu_item('Log out', on_click=log_out).mark('log-out')
    with ui.left_drawer().classes('bg-slate-50').props('width=220 bordered') as drawer:
        admin_links = [('Users', 'group', '/users'), ('Audit log', 'policy', '/audit')]
        links = [*NAVIGATION, *admin_links] if user.is_admin else NAVIGATION
        for label, icon, target in links:
            with ui.link(target=target).classes(
                'flex items-center gap-3 px-2 py-2 rounded no-underline text-slate-800'
            ):
                ui.icon(icon)
                ui.label(label)
    sandbox_banner(services)
    with ui.column().classes('w-full max-w-6xl mx-auto p-4 gap-4'):
        ui.label(title).classes('text-2xl font-semibold')
        yield


def _dark_value(theme: Theme) -> bool | None:
    """NiceGUI's dark mode: None follows the system."""
    return None if theme == Theme.AUTO else theme == Theme.DARK


def database_unavailable() -> None:
    """What every page says while Espaze cannot reach its database (it keeps trying, and so does this page)."""
    with ui.column().classes('w-full min-h-[60vh] items-center justify-center gap-2').mark('database unavailable'):
        ui.icon('cloud_off', size='3rem').classes('text-slate-500')
        ui.label('Espaze cannot reach its database yet.').classes('text-lg')
        ui.label('It keeps trying by itself; this page tries again every 5 seconds.').classes('text-slate-600')
    ui.timer(5, lambda: ui.navigate.reload())


async def signed_in_user(services: Services) -> User | None:
    """This browser's user, with the page's events bound to that session's authority from now on. Raises
    TooManyPages when the session already holds as many open pages as it may."""
    user = await session_user(services)
    session_id = current_session_id()
    if user is not None and session_id:
        guard = app.state.page_guard
        if not guard.admits(session_id):
            raise TooManyPages
        guard.protect(ui.context.client, session_id, user)
    return user


class TooManyPages(Exception):
    """This browser session has as many Espaze pages open as it may."""


def anonymous_page_admitted() -> Response | None:
    """None when this anonymous page may be built; else the 429 to answer (the page's client is let go at once)."""
    client = ui.context.client
    if app.state.page_guard.admits_anonymous(client, address_of(client.request)):
        return None
    client.delete()
    return PlainTextResponse('Too many open pages from your address: close some, then try again.', status_code=429)


def too_many_pages() -> None:
    with ui.column().classes('w-full min-h-[60vh] items-center justify-center gap-2 p-4').mark('too many pages'):
        ui.label('Too many Espaze pages are open in this browser.').classes('text-lg')
        ui.label(f'Close some of the {MOST_PAGES_PER_SESSION} open ones, then reload this one.')


def signed_in_page(services: Services, path: str, title: str, admin_only: bool = False):
    """Register a page that needs a session (and, optionally, the admin role), built inside the frame."""

    def decorator(body: PageBody) -> PageBody:
        @ui.page(path, title=f'{title} · Espaze')
        async def page(request: Request):
            if not services.health.started:
                database_unavailable()
                return None
            try:
                user = await signed_in_user(services)
            except TooManyPages:
                too_many_pages()
                return None
            if user is None:
                return login_redirect(request.url.path)
            if path != TWO_FACTOR_SETUP_PAGE and await services.two_factor.must_set_up(user):
                return RedirectResponse(TWO_FACTOR_SETUP_PAGE, status_code=303)
            with frame(services, user, title):
                if admin_only and not user.is_admin:
                    ui.label('Only admins can see this page.').classes('text-red-700')
                    return None
                await body(user)
            return None

        return page

    return decorator


def object_page(
    services: Services,
    path: str,
    kind: str,
    load: Callable[[User, str], Awaitable[T]],
    title: Callable[[T], str],
    body: Callable[[User, T], Awaitable[None]],
    back: tuple[str, str],
) -> None:
    """A signed-in page about one object (`{object_id}` in `path`); `load` raises NotFound for what the user may
    not see, and the page then says so without telling whether it exists."""

    @ui.page(path, title=f'{kind} · Espaze')
    async def page(request: Request, object_id: str):
        try:
            user = await signed_in_user(services)
        except TooManyPages:
            too_many_pages()
            return None
        if user is None:
            return login_redirect(request.url.path)
        if await services.two_factor.must_set_up(user):
            return RedirectResponse(TWO_FACTOR_SETUP_PAGE, status_code=303)
        try:
            found = await load(user, object_id)
        except NotFound:
            with frame(services, user, f'{kind} not found'):
                ui.label(f'There is no such {kind.lower()}, or it is not yours.')
                ui.link(*back)
            return None
        with frame(services, user, title(found)):
            await body(user, found)
        return None


def empty_state(icon: str, headline: str, explanation: str) -> None:
    """An honest 'nothing here yet' card."""
    with ui.card().classes('w-full items-center text-center py-8'):
        ui.icon(icon, size='3rem').classes('text-slate-400')
        ui.label(headline).classes('text-lg font-medium')
        ui.label(explanation).classes('text-slate-600 max-w-xl')
