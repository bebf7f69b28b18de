"""The Account page's two-factor sign-in: turn it on (a QR code drawn here, the secret as text, confirmed by a
first code, then ten recovery codes shown once) or off (with a code)."""

import segno
from nicegui import ui

from models.accounts import User
from models.errors import EspazeError
from pages.components.busy import busy
from pages.forms import FormErrors
from services.registry import Services


def qr_code(uri: str) -> None:
    """The otpauth:// URI as a QR code image, made on the server (no outside service sees the secret)."""
    ui.image(segno.make(uri, error='m').svg_data_uri(scale=5, border=2)).classes('w-48 h-48 bg-white').mark(
        'totp qr code'
    )


class TwoFactorPanel:
    def __init__(self, services: Services, user: User, required: bool) -> None:
        self.services, self.user = services, user
        with ui.card().classes('w-full max-w-md gap-3').mark('two-factor'):
            ui.label('Two-factor sign-in').classes('text-lg')
            if required:
                ui.label('This instance requires two-factor sign-in: set it up to go on.').classes(
                    'text-amber-800 font-medium'
                ).props('role=alert')
            self.body = ui.column().classes('w-full gap-3 p-0')

    async def show(self) -> None:
        on, codes_left = await self.services.two_factor.status(self.user)
        self.body.clear()
        with self.body:
            if on:
                ui.label(f'On. {codes_left} recovery codes left.').mark('two-factor state')
                self._code_form('Turn off', self.turn_off, 'A code from your app, or a recovery code')
            else:
                ui.label('Off: a password alone opens this account.').mark('two-factor state')
                ui.button('Set up two-factor', on_click=self.start)

    def _code_form(self, action: str, handler, label: str = 'Code from your app') -> None:
        self.code = ui.input(label).props('autocomplete=one-time-code outlined').classes('w-full')
        self.errors = FormErrors({'code': self.code})
        self.button = ui.button(action, on_click=handler)
        self.code.on('keydown.enter', handler)

    async def start(self) -> None:
        try:
            secret, uri = await self.services.two_factor.start(self.user)
        except EspazeError as error:
            ui.notify(str(error), type='warning')
            return
        self.body.clear()
        with self.body:
            ui.label('Scan this with your authenticator app, or type the key in it:').classes('text-sm')
            qr_code(uri)
            ui.label(secret).classes('font-mono text-sm break-all').mark('totp secret')
            self._code_form('Turn on', self.confirm)

    async def confirm(self) -> None:
        async with busy(self.button):
            try:
                codes = await self.services.two_factor.confirm(self.user, self.code.value or '')
            except EspazeError as error:
                self.errors.show(error)
                return
        self.body.clear()
        with self.body:
            ui.label('Two-factor sign-in is on.').classes('font-medium').mark('two-factor state')
            ui.label(
                'Keep these recovery codes somewhere safe: each opens the account once without your app, and '
                'they are shown only now.'
            ).classes('text-sm')
            ui.label('\n'.join(codes)).classes(
                'font-mono text-sm whitespace-pre bg-slate-100 text-slate-900 p-2 rounded'
            ).mark('recovery codes')
            ui.button('Copy codes', icon='content_copy', on_click=lambda: ui.clipboard.write('\n'.join(codes)))
            ui.button('Done', on_click=lambda: ui.navigate.to('/')).props('flat')

    async def turn_off(self) -> None:
        async with busy(self.button):
            try:
                await self.services.two_factor.disable(self.user, self.code.value or '')
            except EspazeError as error:
                self.errors.show(error)
                return
        ui.notify('Two-factor sign-in is off', type='positive')
        await self.show()
