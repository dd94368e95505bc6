"""Fixtures for the site-shell tests."""

from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _reset_language():
    """A request in English leaves English active in this thread; do not leak it."""
    yield
    translation.deactivate()
