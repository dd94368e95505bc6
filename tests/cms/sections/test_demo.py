"""The demo fills the department pages, four complete guides and the demo schools' sites,
and running it again creates nothing twice."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command
from django.test import Client

from edu_portal.cms import demo_schools, guides
from edu_portal.cms.models import ArticlePage, DepartmentPage, SchoolSitePage, ServiceGuidePage

pytestmark = pytest.mark.django_db


def test_the_demo_is_complete_fast_and_idempotent(tree, capsys):
    call_command("seed_demo")
    started = time.monotonic()
    first = demo_schools.seed()
    elapsed = time.monotonic() - started
    assert first["departments"] == 3 and first["guides"] == 4 and first["school_sites"] == 2
    assert first["school_items"] == 10
    assert demo_schools.seed() == {
        "departments": 0,
        "school_sites": 0,
        "guides": 0,
        "school_items": 0,
    }
    assert elapsed < 10, elapsed

    for guide in ServiceGuidePage.objects.all():
        assert guide.live and guides.missing_elements(guide) == []
    for page in DepartmentPage.objects.select_related("unit"):
        assert page.live and page.unit.phone and page.unit.address and page.unit.head
    site = SchoolSitePage.objects.get(school__code="demo-chengnan")
    assert ArticlePage.objects.descendant_of(site).live().count() == 5
    body = Client().get("/schools/demo-chengnan/").content
    assert "城南小学举行第十二届读书节开幕式" in body.decode()
