"""The interfaces issues 12 to 15 name, spelled exactly as outside tools call them: each
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
    # issue 14
    "/search/": "cms:search",
    "/api/v1/search/": "cms:api-search",
    "/sitemap.xml": "cms:sitemap-xml",
    "/robots.txt": "cms:robots-txt",
    "/feeds/7/": "cms:column-feed",
    # issue 15
    "/api/v1/disclosure-applications/": "disclosure:api-applications",
    "/api/v1/disclosure-applications/7/": "disclosure:api-application",
    "/api/v1/disclosure-applications/7/events/": "disclosure:api-events",
    "/api/v1/disclosure-annual-reports/2025/": "disclosure:api-annual-report",
    "/api/v1/letters/": "interaction:api-letters",
    "/api/v1/letters/lookup/": "interaction:api-lookup",
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


def test_import_articles_takes_a_jsonl_file():
    assert get_commands()["import_articles"] == "edu_portal.cms"
    parser = load_command_class("edu_portal.cms", "import_articles").create_parser(
        "manage.py", "import_articles"
    )
    assert str(parser.parse_args(["old-site.jsonl"]).file) == "old-site.jsonl"


def test_site_inspection_has_a_json_switch():
    assert get_commands()["site_inspection"] == "edu_portal.cms"
    parser = load_command_class("edu_portal.cms", "site_inspection").create_parser(
        "manage.py", "site_inspection"
    )
    assert parser.parse_args(["--json"]).json is True
    assert parser.parse_args([]).json is False
