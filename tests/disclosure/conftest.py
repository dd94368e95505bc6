"""People and helpers for the disclosure tests: the office (office_reviewer at the bureau,
holding "disclosure.handle"), a department editor who does not, and an API client."""

from __future__ import annotations

import pytest
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from edu_portal.accounts.roles import Role
from tests.people import make_user

# A valid resident ID (check character computed by GB 11643).
ID_NUMBER = "11010519491231002X"
PHONE = "13800138000"


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """Look-up counters and used challenges in a cache of this test's own (the embedded
    default is a file cache shared with other runs)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "d"}
    }
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _english(client):
    """The pages in English, so that the tests read the msgids (the site's default is
    Chinese); stored due-date steps stay in the site's language whatever the request's."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def office(bureau, department):
    user = make_user("office_sun", Role.OFFICE_REVIEWER, bureau, first_name="孙主任")
    user.org_unit = department
    user.save()
    return user


@pytest.fixture
def editor(department):
    return make_user("editor_zhou", Role.DEPARTMENT_EDITOR, department)


@pytest.fixture
def api(office) -> APIClient:
    client = APIClient()
    token = Token.objects.create(user=office)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def application_data(**overrides) -> dict:
    data = {
        "applicant_type": "natural_person",
        "applicant_name": "王小明",
        "id_type": "resident_id",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "email": "wang@example.cn",
        "description": "2026年全县义务教育学校招生计划（文号：示教〔2026〕5号）",
        "form": "electronic",
        "delivery": "email",
        "channel": "post",
        "received_on": "2026-11-02",
    }
    data.update(overrides)
    return data
