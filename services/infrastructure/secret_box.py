"""Credentials at rest: sealed with Fernet; several keys (newest first) let keys rotate without losing data."""

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class Unreadable(Exception):
    """No configured key can decrypt this ciphertext (the key was lost or replaced)."""


class SecretBox:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError('at least one key is needed')
        fernets = [Fernet(key) for key in keys]
        self._newest = fernets[0]
        self._all = MultiFernet(fernets)

    def seal(self, plaintext: str) -> bytes:
        return self._newest.encrypt(plaintext.encode())

    def open(self, ciphertext: bytes) -> tuple[str, bool]:
        """The plaintext, and whether it was sealed with an older key (and should be sealed again)."""
        try:
            return self._newest.decrypt(ciphertext).decode(), False
        except InvalidToken:
            pass
        try:
            return self._all.decrypt(ciphertext).decode(), True
        except InvalidToken:
            raise Unreadable('no configured encryption key can read this credential') from None
