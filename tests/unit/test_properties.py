"""Property tests of the validators: what they accept is well formed (and what Kubernetes and git accept too),
canonicalising twice changes nothing, and anything else is a ValidationFailed, never another exception."""

import ipaddress
import math
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from models.errors import ValidationFailed
from services.deployments.rules import NAME
from services.fleet.node_rules import canonical_mac, checked_ip, checked_labels, checked_node_name, checked_position
from services.github.names import branch_name, file_path, repository_name

# Kubernetes' own grammar (k8s.io/apimachinery validation), written out independently of Espaze's
K8S_QUALIFIED_NAME = re.compile(r'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')
K8S_DNS_SUBDOMAIN = re.compile(r'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')
K8S_DNS_LABEL = re.compile(r'[a-z0-9]([-a-z0-9]*[a-z0-9])?')
SHELL = set('$`;|&<>(){}[]!*?\'"\\ \n\r\t~^:')

octets = st.lists(st.integers(0, 255), min_size=6, max_size=6)


@given(octets, st.sampled_from([':', '-', '']), st.booleans())
def test_a_mac_in_any_spelling_has_one_canonical_form(parts: list[int], separator: str, upper: bool):
    text = separator.join(f'{p:02x}' for p in parts)
    text = text.upper() if upper else text
    if all(p == 0 for p in parts) or all(p == 255 for p in parts):
        return
    canonical = canonical_mac(text)
    assert re.fullmatch(r'([0-9a-f]{2}:){5}[0-9a-f]{2}', canonical)
    assert canonical_mac(canonical) == canonical


@given(st.text(max_size=40))
def test_any_text_is_a_mac_or_a_validation_failure(text: str):
    try:
        canonical = canonical_mac(text)
    except ValidationFailed:
        return
    assert re.fullmatch(r'([0-9a-f]{2}:){5}[0-9a-f]{2}', canonical)


@given(st.one_of(st.ip_addresses().map(str), st.text(max_size=50)))
def test_an_accepted_address_is_a_public_ip_in_its_shortest_form(text: str):
    try:
        checked = checked_ip(text, allow_private=False)
    except ValidationFailed:
        return
    assert ipaddress.ip_address(checked).is_global and checked_ip(checked, False) == checked
    assert '\n' not in checked


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True))
def test_positions_are_finite_and_in_range(latitude: float, longitude: float):
    try:
        checked_position(latitude, longitude, None)
    except ValidationFailed:
        assert not (
            math.isfinite(latitude) and math.isfinite(longitude) and abs(latitude) <= 90 and abs(longitude) <= 180
        )
        return
    assert math.isfinite(latitude) and math.isfinite(longitude)


@settings(max_examples=300)
@given(st.dictionaries(st.text(max_size=80), st.text(max_size=70), max_size=5))
@example({'region\n': 'eu'})
@example({'region': 'eu\n'})
def test_accepted_labels_follow_kubernetes_grammar(labels: dict[str, str]):
    try:
        checked = checked_labels(labels)
    except ValidationFailed:
        return
    for key, value in checked.items():
        prefix, _, name = key.rpartition('/')
        assert len(name) <= 63 and K8S_QUALIFIED_NAME.fullmatch(name), key
        assert not prefix or (len(prefix) <= 253 and K8S_DNS_SUBDOMAIN.fullmatch(prefix)), key
        assert value == '' or (len(value) <= 63 and K8S_QUALIFIED_NAME.fullmatch(value)), value


@given(st.text(max_size=70))
def test_accepted_node_names_are_printable_and_short(text: str):
    try:
        name = checked_node_name(text, '02:00:00:00:00:01')
    except ValidationFailed:
        return
    assert 1 <= len(name) <= 63 and name == name.strip() and name.isprintable()


@given(st.text(max_size=50))
@example('web\n')
def test_deployment_names_are_kubernetes_dns_labels(text: str):
    if NAME.fullmatch(text):
        assert len(text) <= 40 and K8S_DNS_LABEL.fullmatch(text), text


@settings(max_examples=500)
@given(st.text(alphabet=st.characters(codec='ascii'), max_size=60))
@example('main\n')  # `$` matches before a final newline: these were accepted until the rules used fullmatch
@example('feature/x\n')
def test_accepted_branches_are_safe_for_git_urls_and_shells(text: str):
    try:
        branch = branch_name(text)
    except ValidationFailed:
        return
    assert branch == text and not SHELL & set(branch), repr(branch)
    assert not branch.startswith('-') and '..' not in branch and not branch.endswith('.lock')


@given(st.text(max_size=80))
@example('octocat/shop\n')
def test_accepted_repositories_are_owner_and_name_only(text: str):
    try:
        owner, repo = repository_name(text)
    except ValidationFailed:
        return
    assert f'{owner}/{repo}' == text and not SHELL & set(text) and '..' != repo and '://' not in text


@given(st.text(max_size=80))
@example('Dockerfile\n')
def test_accepted_file_paths_stay_inside_the_repository(text: str):
    try:
        path = file_path(text)
    except ValidationFailed:
        return
    assert not path.startswith(('/', '-')) and '..' not in path.split('/') and '\n' not in path
