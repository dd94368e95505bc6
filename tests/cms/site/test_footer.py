"""The government-site footer from the site's settings, on portal and platform pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from wagtail.models import Site

from edu_portal.cms import footer
from edu_portal.cms.models import PortalSettings
from tests.people import make_user

pytestmark = pytest.mark.django_db


def _fill(**values) -> PortalSettings:
    settings = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    for name, value in values.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def _footer(html: str) -> str:
    match = re.search(r'<footer class="site-footer">.*?</footer>', html, re.S)
    assert match, "no footer on the page"
    return match.group(0)


@pytest.mark.parametrize("path", ["/", "/accounts/login/"])
def test_footer_shows_the_sites_facts_on_portal_and_platform_pages(portal, path):
    _fill(
        host_org="示范县教育局",
        address="人民路88号",
        phone="0000-1234567",
        icp_number="京ICP备12345678号-1",
        police_number="京公网安备 11000002000001号",
        site_code="1100000001",
    )
    response = Client().get(path)
    assert response.status_code == 200
    html = _footer(response.content.decode())
    assert "示范县教育局" in html
    assert "人民路88号" in html
    assert 'href="tel:0000-1234567"' in html
    assert '<a href="https://beian.miit.gov.cn/" rel="noopener">京ICP备12345678号-1</a>' in html
    assert "京公网安备 11000002000001号" in html
    assert "1100000001" in html
    assert f'href="{portal.sitemap.url}"' in html
    # The API documentation moved to the admin.
    assert "/api/docs/" not in html


def test_empty_settings_leave_no_empty_labels(portal):
    html = _footer(Client().get("/").content.decode())
    assert "ICP" not in html
    assert "beian" not in html


def test_no_sitemap_link_when_the_sitemap_page_is_not_live(portal):
    portal.sitemap.unpublish()
    html = _footer(Client().get("/").content.decode())
    assert "/sitemap/" not in html


def test_api_documentation_is_in_the_wagtail_admin_menu(portal, bureau):
    admin = make_user("bureau_admin_e", "bureau_admin", bureau, is_superuser=True)
    client = Client()
    client.force_login(admin)
    response = client.get("/cms/")
    assert response.status_code == 200
    assert "/api/docs/" in response.content.decode()


def test_demo_fills_the_footer_once_and_keeps_what_an_administrator_typed(portal):
    _fill(phone="0000-7654321")
    assert footer.seed_demo_settings() is True
    settings = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    assert settings.host_org == footer.DEMO_SETTINGS["host_org"]
    assert settings.phone == "0000-7654321"
    assert footer.seed_demo_settings() is False
