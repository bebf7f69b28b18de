import stat
import subprocess
import sys

import pytest

from config import ConfigurationError, load_settings, resolve_secrets
from tests.conftest import ROOT


def test_defaults_match_the_readme(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv('ESPAZE_DATA_DIR')
    monkeypatch.delenv('MONGO_URL')
    settings = load_settings()
    assert (settings.host, settings.port, str(settings.data_dir), settings.mongo_url) == (
        '127.0.0.1',
        8080,
        'data',
        None,
    )
    assert settings.allow_signup is True
    assert settings.access_token_minutes == 15


@pytest.mark.parametrize('variable', ['ESPAZE_JWT_SECRET', 'ESPAZE_STORAGE_SECRET', 'ESPAZE_METRICS_TOKEN'])
def test_short_secret_is_refused_by_name_without_echoing_it(monkeypatch: pytest.MonkeyPatch, variable: str):
    monkeypatch.setenv(variable, 'hunter2-short-secret')
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    assert variable in str(raised.value)
    assert 'hunter2' not in str(raised.value)


def test_app_refuses_to_start_with_short_secret_and_does_not_print_it(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv('ESPAZE_JWT_SECRET', 'hunter2-short-secret')
    result = subprocess.run([sys.executable, 'app.py'], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert 'ESPAZE_JWT_SECRET' in result.stderr
    assert 'hunter2' not in result.stderr + result.stdout


def test_missing_secrets_are_generated_once_with_mode_0600(app_environment):
    first = resolve_secrets(load_settings())
    second = resolve_secrets(load_settings())
    assert first == second
    assert len(first.jwt_secret) >= 32 and first.jwt_secret != first.storage_secret
    for name in ('jwt_secret', 'storage_secret'):
        assert stat.S_IMODE((app_environment / name).stat().st_mode) == 0o600


def test_configured_secret_wins_over_generated_file(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv('ESPAZE_JWT_SECRET', 'k' * 40)
    assert resolve_secrets(load_settings()).jwt_secret == 'k' * 40


@pytest.mark.parametrize('variable', ['ESPAZE_EDGE_NAMESPACE', 'ESPAZE_INGRESS_CONTROLLER_NAMESPACE'])
def test_the_edge_namespace_is_read_under_its_name_and_its_old_one(monkeypatch: pytest.MonkeyPatch, variable: str):
    monkeypatch.setenv(variable, 'envoy-gateway-system')
    assert load_settings().cluster_settings().edge_namespace == 'envoy-gateway-system'


def test_no_ingress_class_is_assumed(monkeypatch: pytest.MonkeyPatch):
    assert load_settings().cluster_settings().ingress_class is None
    monkeypatch.setenv('ESPAZE_INGRESS_CLASS', 'traefik')
    assert load_settings().cluster_settings().ingress_class == 'traefik'


def test_dns_servers_and_the_edge_address_are_checked(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv('ESPAZE_DNS_SERVERS', '127.0.0.1:5353, ::1, 10.0.0.2')
    monkeypatch.setenv('ESPAZE_EDGE_ADDRESS', '2001:db8::7')
    settings = load_settings()
    assert settings.dns_server_addresses() == [('127.0.0.1', 5353), ('::1', 53), ('10.0.0.2', 53)]
    monkeypatch.setenv('ESPAZE_EDGE_ADDRESS', 'edge.example.com')
    assert load_settings().edge_address == 'edge.example.com'
    for variable, bad in (
        ('ESPAZE_DNS_SERVERS', 'dns.example.com'),
        ('ESPAZE_DNS_SERVERS', '127.0.0.1:0'),
        ('ESPAZE_EDGE_ADDRESS', 'https://edge.example.com'),
    ):
        monkeypatch.setenv(variable, bad)
        with pytest.raises(ConfigurationError, match=variable) as refused:
            load_settings()
        assert bad not in str(refused.value)
        monkeypatch.delenv(variable)
