"""Shared fixtures. Tests run against the services named by DATABASE_URL / REDIS_URL when
set (CI), otherwise against the embedded defaults (SQLite, filesystem broker and store)."""

from __future__ import annotations

import pytest


@pytest.fixture
def intranet_settings(settings):
    """A small, explicit network layout so tests do not depend on the defaults."""
    import ipaddress

    settings.INTRANET_NETWORKS = [
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("127.0.0.0/8"),
    ]
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.9.9.0/24")]
    return settings
