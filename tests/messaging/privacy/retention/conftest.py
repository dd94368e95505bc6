"""The notice world of the core tests (two schools, pupils, guardians, teachers)."""

from tests.messaging.core.conftest import _settings, eager_tasks, notice_data, world  # noqa: F401
