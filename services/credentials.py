"""Rules for emails, passwords and display names, shared by the API and the pages."""

import unicodedata

from email_validator import EmailNotValidError, validate_email

from models.errors import ValidationFailed

MIN_PASSWORD_BYTES = 8
MAX_PASSWORD_BYTES = 72  # bcrypt reads no further; longer passwords are refused, never truncated
MAX_NAME_CHARS = 100
MAX_EMAIL_CHARS = 254


def canonical_email(raw: str) -> str:
    """Trimmed, NFKC-normalised and casefolded, then checked as an address."""
    email = unicodedata.normalize('NFKC', raw.strip()).casefold()
    if not email or len(email) > MAX_EMAIL_CHARS:
        raise ValidationFailed('email', 'must be a valid email address')
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationFailed('email', 'must be a valid email address') from None
    local, _, domain = email.rpartition('@')
    if any(_mixes_scripts(part) for part in [local, *map(_unicode_label, domain.split('.'))]):
        raise ValidationFailed('email', 'mixes writing systems (such as Latin and Cyrillic) in one part')
    return email


SCRIPTS_WRITTEN_TOGETHER = ({'CJK', 'HIRAGANA', 'KATAKANA'}, {'CJK', 'HANGUL'})


def _unicode_label(label: str) -> str:
    """A domain label as people read it (`xn--` labels are punycode)."""
    if not label.startswith('xn--'):
        return label
    try:
        return label[4:].encode('ascii').decode('punycode')
    except (UnicodeError, ValueError):
        return label


def _script(char: str) -> str | None:
    if not char.isalpha():
        return None
    name = unicodedata.name(char, '')
    return name.split(' ', 1)[0] if name else 'UNKNOWN'


def _mixes_scripts(part: str) -> bool:
    """Whether one part of an address (a look-alike's trick: paypal with one Cyrillic letter) mixes scripts."""
    scripts = {script for script in map(_script, part) if script}
    return len(scripts) > 1 and not any(scripts <= together for together in SCRIPTS_WRITTEN_TOGETHER)


def normalized_password(raw: str, field: str = 'password') -> bytes:
    """The password as NFC UTF-8 bytes, between 8 and 72 bytes and without NUL."""
    password = unicodedata.normalize('NFC', raw)
    if '\x00' in password:
        raise ValidationFailed(field, 'must not contain NUL characters')
    encoded = password.encode()
    if len(encoded) < MIN_PASSWORD_BYTES:
        raise ValidationFailed(field, f'must be at least {MIN_PASSWORD_BYTES} bytes')
    if len(encoded) > MAX_PASSWORD_BYTES:
        raise ValidationFailed(field, f'must be at most {MAX_PASSWORD_BYTES} bytes in UTF-8')
    return encoded


def display_name(raw: str | None, email: str) -> str:
    """A trimmed display name without control characters; the email's local part when empty."""
    name = (raw or '').strip() or email.split('@', 1)[0]
    if len(name) > MAX_NAME_CHARS:
        raise ValidationFailed('name', f'must be at most {MAX_NAME_CHARS} characters')
    if any(unicodedata.category(char) == 'Cc' for char in name):
        raise ValidationFailed('name', 'must not contain control characters')
    return name
