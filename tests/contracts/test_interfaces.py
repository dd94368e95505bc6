"""The interfaces issues 12 and 13 name, spelled exactly as outside tools call them: each
literal path resolves to the view that serves it, and the command takes its arguments."""

from __future__ import annotations

import pytest
from django.core.management import get_commands, load_command_class
from django.urls import resolve

PATHS = {
    # issue 12
    "/api/v1/notifications/": "api-notifications",
    "/api/v1/notifications/7/read/": "api-notification-read",
    # issue 13
    "/api/v1/notices/": "messaging:api-notices",
    "/api/v1/notices/7/send/": "messaging:api-notice-send",
    "/api/v1/notices/7/report/": "messaging:api-notice-report",
    "/api/v1/inbox/": "messaging:api-inbox",
    "/api/v1/inbox/7/read/": "messaging:api-inbox-read",
    "/api/v1/inbox/7/confirm/": "messaging:api-inbox-confirm",
}


@pytest.mark.parametrize(("path", "name"), PATHS.items())
def test_named_paths_resolve(path, name):
    assert resolve(path).view_name == name


def test_import_roster_takes_a_file_and_a_school_code():
    assert get_commands()["import_roster"] == "edu_portal.schools"
    parser = load_command_class("edu_portal.schools", "import_roster").create_parser(
        "manage.py", "import_roster"
    )
    options = parser.parse_args(["roster.xlsx", "--school", "cn"])
    assert (options.file, options.school) == ("roster.xlsx", "cn")
