"""Settings from the environment: typed, loud on bad values, secure in production."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from edu_portal.env import Env

ROOT = Path(__file__).resolve().parents[2]


def test_typed_readers_parse_good_values(tmp_path):
    secret = tmp_path / "db_url"
    secret.write_text("postgres://u:p@db/edu\n")
    env = Env(
        {
            "FLAG": "yes",
            "COUNT": " 42 ",
            "HOSTS": "a.example, b.example,,",
            "NETS": "10.0.0.0/8, 2001:db8::/32, 192.168.1.7",
            "DATABASE_URL_FILE": str(secret),
        }
    )
    assert env.bool("FLAG", False) is True
    assert env.bool("MISSING", True) is True
    assert env.int("COUNT", 0) == 42
    assert env.list("HOSTS", []) == ["a.example", "b.example"]
    assert [str(n) for n in env.networks("NETS", [])] == [
        "10.0.0.0/8",
        "2001:db8::/32",
        "192.168.1.7/32",
    ]
    assert env.url("DATABASE_URL", "", schemes={"postgres"}, secret=True).endswith("/edu")


@pytest.mark.parametrize(
    ("name", "value", "call"),
    [
        ("FLAG", "maybe", lambda e: e.bool("FLAG", False)),
        ("COUNT", "ten", lambda e: e.int("COUNT", 0)),
        ("COUNT", "0", lambda e: e.int("COUNT", 5, minimum=1)),
        ("NETS", "10.0.0.0/33", lambda e: e.networks("NETS", [])),
        ("URL", "mysql://x", lambda e: e.url("URL", "", schemes={"postgres"})),
    ],
)
def test_bad_values_fail_loudly_naming_the_variable(name, value, call):
    with pytest.raises(ImproperlyConfigured, match=name):
        call(Env({name: value}))


def test_unreadable_secret_file_fails_loudly(tmp_path):
    env = Env({"SECRET_KEY_FILE": str(tmp_path / "absent")})
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY_FILE"):
        env.secret_key("SECRET_KEY", tmp_path / "generated")


def test_secret_key_is_generated_once_and_kept(tmp_path):
    target = tmp_path / "var" / "secret_key"
    first = Env({}).secret_key("SECRET_KEY", target)
    assert len(first) >= 50
    assert Env({}).secret_key("SECRET_KEY", target) == first
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert Env({"SECRET_KEY": "given"}).secret_key("SECRET_KEY", target) == "given"


def _manage(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    # A production-like process: nothing the test run itself needs (the browser tests allow
    # the ORM beside Playwright's event loop, which check --deploy rightly flags).
    dropped = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    base.update({"VAR_DIR": str(tmp_path / "var")}, **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bad_environment_stops_the_process_with_a_clear_message(tmp_path):
    result = _manage(["check"], {"INTRANET_NETWORKS": "10.0.0.0/33"}, tmp_path)
    assert result.returncode != 0
    assert "INTRANET_NETWORKS" in result.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = _manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {
            "DEBUG": "0",
            "HTTPS": "1",
            "SECRET_KEY": "k3y-" + os.urandom(32).hex(),
            "ALLOWED_HOSTS": "portal.example.edu.cn",
            "STATIC_FROM_FINDERS": "0",
            # The wall and the proxy as deploy/env.example sets them (edu_portal/checks.py).
            "INTRANET_NETWORKS": "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16",
            "TRUSTED_PROXIES": "127.0.0.1/32",
            "SIGNED_URL_BIND_IP": "1",
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_an_insecure_setup(tmp_path):
    result = _manage(
        ["check", "--deploy", "--fail-level", "WARNING"], {"DEBUG": "1", "HTTPS": "0"}, tmp_path
    )
    assert result.returncode != 0
    assert "DEBUG" in result.stdout + result.stderr
