import pytest

from models.errors import ValidationFailed
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


@pytest.mark.parametrize(
    'email',
    [
        'p\u0430ypal@example.com',  # a Cyrillic a among Latin letters
        'ops@p\u0430ypal.com',
        'ops@xn--pypal-4ve.com',  # the same domain as punycode
        'adm\u0456n@example.com',  # a Cyrillic i
        '\u03bfps@example.com',  # a Greek o
    ],
)
def test_look_alike_emails_that_mix_scripts_in_one_part_are_refused(email: str):
    with pytest.raises(ValidationFailed, match='mixes writing systems'):
        canonical_email(email)


@pytest.mark.parametrize('email', ['юля@пример.рф', 'taro@例え.jp', '日本語ひらがな@example.com', 'müller@example.de'])
def test_addresses_written_in_one_script_per_part_are_accepted(email: str):
    assert canonical_email(email)
