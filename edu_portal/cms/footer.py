"""The footer every Chinese government website shows (主办单位, address, phone, ICP备案号,
公安备案号, 网站标识码, a link to the 网站地图), read from the Wagtail site's
:class:`PortalSettings`, so administrators change it in the admin (Settings → Portal
settings) and each school host may have its own."""

from __future__ import annotations

from django.http import HttpRequest
from wagtail.models import Site

from edu_portal.cms.models import PortalSettings, SitemapPage

ICP_URL = "https://beian.miit.gov.cn/"
POLICE_URL = "https://beian.mps.gov.cn/"

DEMO_SETTINGS = {
    "host_org": "示范县教育局",
    "address": "示范县人民路88号教育局办公楼",
    "phone": "0000-12345678",
    "email": "office@edu.example.cn",
    "icp_number": "京ICP备00000000号-1",
    "police_number": "京公网安备 11000002000001号",
    "site_code": "1100000001",
}


def footer_context(request: HttpRequest | None) -> dict:
    """The footer's facts for the request's Wagtail site (nothing when no site exists)."""
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is None:
        return {"portal": None, "sitemap_url": ""}
    sitemap = SitemapPage.objects.live().public().descendant_of(site.root_page).first()
    return {
        "portal": PortalSettings.for_site(site),
        "sitemap_url": sitemap.get_url(request) if sitemap else "",
        "icp_url": ICP_URL,
        "police_url": POLICE_URL,
    }


def seed_demo_settings() -> bool:
    """Fill the default site's footer for the demo (``seed_catalog``); a field an
    administrator already filled is left alone. True if anything changed."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return False
    settings = PortalSettings.for_site(site)
    changed = [name for name, value in DEMO_SETTINGS.items() if not getattr(settings, name)]
    for name in changed:
        setattr(settings, name, DEMO_SETTINGS[name])
    if changed:
        settings.save()
    return bool(changed)
