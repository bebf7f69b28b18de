import pytest

from errors import ValidationFailed
from services.credentials import canonical_email, display_name, normalized_password


def test_email_is_trimmed_nfkc_normalised_and_casefolded():
    assert canonical_email('  Alice@Example.COM ') == 'alice@example.com'
    assert canonical_email('\uff41\uff4c\uff49\uff43\uff45@example.com') == 'alice@example.com'  # full-width letters


@pytest.mark.parametrize('bad', ['', 'no-at-sign', 'a@', '@example.com', 'a b@example.com', 'x' * 250 + '@e.com'])
def test_invalid_email_names_the_field(bad: str):
    with pytest.raises(ValidationFailed) as raised:
        canonical_email(bad)
    assert raised.value.field == 'email'


def test_password_limits_are_in_utf8_bytes():
    assert normalized_password('a' * 72) == b'a' * 72
    with pytest.raises(ValidationFailed, match='72 bytes'):
        normalized_password('é' * 37)  # 37 characters, 74 bytes
    with pytest.raises(ValidationFailed, match='at least 8'):
        normalized_password('short')


def test_password_with_nul_is_refused():
    with pytest.raises(ValidationFailed, match='NUL'):
        normalized_password('abcd\x00efgh')


def test_composed_and_decomposed_passwords_are_the_same_secret():
    assert normalized_password('caf\u00e9-latte') == normalized_password('cafe\u0301-latte')


def test_display_name_defaults_to_email_local_part_and_refuses_control_characters():
    assert display_name('  ', 'ada@example.com') == 'ada'
    with pytest.raises(ValidationFailed):
        display_name('bad\x07name', 'ada@example.com')
