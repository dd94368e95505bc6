"""`manage.py check --deploy` flags the settings that open the intranet wall or the links.

The attack: a production host kept the laptop defaults (loopback counted as intranet, no
trusted proxy), so everything nginx relayed came from 127.0.0.1 and passed the wall, and
`check --deploy` said nothing. Now each such setting is a warning (edu_portal/checks.py) and
`--fail-level WARNING` stops the deployment.
"""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys

import pytest
from django.core import checks

from tests.deploy import servers

PRODUCTION = {
    "INTRANET_NETWORKS": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
    "TRUSTED_PROXIES": ["127.0.0.1/32"],
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SIGNED_URL_BIND_IP": True,
    "DEBUG": False,
}


def _apply(settings, values: dict) -> None:
    for name, value in values.items():
        if name in ("INTRANET_NETWORKS", "TRUSTED_PROXIES"):
            value = [ipaddress.ip_network(net) for net in value]
        setattr(settings, name, value)


def _ours(settings, **changes) -> list[str]:
    _apply(settings, {**PRODUCTION, **changes})
    found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    return sorted(m.id for m in found if m.id.startswith("edu_portal."))


def test_production_settings_pass(settings):
    assert _ours(settings) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"INTRANET_NETWORKS": ["10.0.0.0/8", "127.0.0.0/8"]}, ["edu_portal.W001"]),
        ({"INTRANET_NETWORKS": ["10.0.0.0/8", "::1/128"]}, ["edu_portal.W001"]),
        ({"INTRANET_NETWORKS": ["127.0.0.1/32"]}, ["edu_portal.W001"]),
        ({"INTRANET_NETWORKS": ["0.0.0.0/0"]}, ["edu_portal.W001", "edu_portal.W002"]),
        ({"INTRANET_NETWORKS": ["::/0"]}, ["edu_portal.W001", "edu_portal.W002"]),
        ({"INTRANET_NETWORKS": ["10.0.0.0/8", "203.0.113.0/24"]}, ["edu_portal.W002"]),
        ({"INTRANET_NETWORKS": ["128.0.0.0/1"]}, ["edu_portal.W002"]),
        ({"INTRANET_NETWORKS": ["2001:db8::/32"]}, ["edu_portal.W002"]),
        ({"TRUSTED_PROXIES": []}, ["edu_portal.W003"]),
        ({"TRUSTED_PROXIES": ["0.0.0.0/0"]}, ["edu_portal.W004"]),
        ({"TRUSTED_PROXIES": ["10.0.0.0/8"]}, ["edu_portal.W004"]),
        ({"TRUSTED_PROXIES": ["198.51.100.7/32"]}, ["edu_portal.W004"]),
        ({"TRUSTED_PROXIES": ["fd00::/48"]}, ["edu_portal.W004"]),
        ({"SECURE_PROXY_SSL_HEADER": None}, ["edu_portal.W005"]),
        ({"SESSION_COOKIE_SECURE": False}, ["edu_portal.W005"]),
        ({"CSRF_COOKIE_SECURE": False}, ["edu_portal.W005"]),
        ({"SIGNED_URL_BIND_IP": False}, ["edu_portal.W006"]),
        ({"DEBUG": True}, ["edu_portal.W007"]),
    ],
)
def test_each_bad_setting_is_flagged(settings, changes, expected):
    assert _ours(settings, **changes) == expected


def test_a_narrow_proxy_list_and_private_intranet_pass(settings):
    assert _ours(settings, TRUSTED_PROXIES=["10.9.9.0/24", "fd00::1/128"]) == []


def test_no_proxy_and_no_tls_is_not_a_proxy_warning(settings):
    # Without a TLS-terminating proxy there is nobody to trust; W005 says what is missing.
    found = _ours(settings, TRUSTED_PROXIES=[], SECURE_PROXY_SSL_HEADER=None)
    assert found == ["edu_portal.W005"]


def test_the_checks_run_only_for_deploy(settings):
    _apply(settings, {**PRODUCTION, "INTRANET_NETWORKS": ["127.0.0.0/8"], "DEBUG": True})
    found = checks.run_checks(tags=[checks.Tags.security])
    assert [m.id for m in found if m.id.startswith("edu_portal.")] == []


# --- through the command, as an operator (and .ci) runs it ------------------------------------

ENV_EXAMPLE = {
    "DEBUG": "0",
    "HTTPS": "1",
    "ALLOWED_HOSTS": "portal.example.edu.cn",
    "STATIC_FROM_FINDERS": "0",
    "INTRANET_NETWORKS": "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16",
    "TRUSTED_PROXIES": "127.0.0.1/32",
    "SIGNED_URL_BIND_IP": "1",
}


def _check_deploy(tmp_path, *, unset=(), **env: str) -> subprocess.CompletedProcess:
    values = {**ENV_EXAMPLE, "SECRET_KEY": "k3y-" + os.urandom(32).hex(), **env}
    for name in unset:
        del values[name]
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=servers.ROOT,
        env=servers.child_env(tmp_path / "var", **values),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_the_env_example_values(tmp_path):
    result = _check_deploy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "edu_portal." not in result.stdout + result.stderr


def test_check_deploy_fails_on_the_laptop_defaults_behind_nginx(tmp_path):
    # INTRANET_NETWORKS and TRUSTED_PROXIES left at their defaults.
    result = _check_deploy(tmp_path, unset=("INTRANET_NETWORKS", "TRUSTED_PROXIES"))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "edu_portal.W001" in output and "loopback" in output
    assert "edu_portal.W003" in output
