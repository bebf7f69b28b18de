"""The promises the repository's own files make: documented configuration, a non-root container, two commands."""

import re

from config import Settings, env_variable_name
from tests.conftest import ROOT


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / 'README.md').read_text()
    for field in Settings.model_fields:
        assert f'`{env_variable_name(field)}`' in readme, env_variable_name(field)


def test_readme_gives_the_two_commands_and_ci_calls_make_test():
    readme = (ROOT / 'README.md').read_text()
    assert 'make run' in readme and 'make test' in readme
    assert 'make test' in (ROOT / '.ci' / 'run').read_text()


def test_container_is_python_slim_non_root_and_listens_on_all_interfaces():
    dockerfile = (ROOT / 'Dockerfile').read_text()
    assert re.search(r'^FROM python:3\.11-slim\b', dockerfile, re.M)
    user = re.findall(r'^USER (\S+)', dockerfile, re.M)
    assert user and user[-1] not in ('root', '0')
    assert 'ESPAZE_HOST=0.0.0.0' in dockerfile
    assert re.search(r'^CMD \["python", "app.py"\]', dockerfile, re.M)


def test_runtime_requirements_are_pinned():
    for line in (ROOT / 'requirements.txt').read_text().splitlines():
        if line.strip() and not line.startswith('#'):
            assert re.fullmatch(r'[A-Za-z0-9_.-]+==[0-9][^ ]*', line.strip()), line


def test_every_python_module_the_container_needs_is_copied():
    dockerfile = (ROOT / 'Dockerfile').read_text()
    for module in ROOT.glob('*.py'):
        assert module.name in dockerfile, module.name
    left_out = set((ROOT / '.dockerignore').read_text().split())  # tests and benchmarks stay out of the image
    assert {'tests', 'bench'} <= left_out
    for package in ROOT.glob('*/__init__.py'):
        if package.parent.name not in left_out:
            assert f'COPY {package.parent.name} ./{package.parent.name}' in dockerfile, package.parent.name
