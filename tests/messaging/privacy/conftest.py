"""The two schools of the school console tests, shared with these."""

from tests.schools.conftest import _english, admin_a, admin_b, schools  # noqa: F401
