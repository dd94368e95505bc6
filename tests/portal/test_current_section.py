"""The current section comes from the URL name, in the portal's context processor, so that
feature apps routing a section page never import the site shell."""

from __future__ import annotations

import pytest
from django.urls import reverse

from edu_portal.portal.sections import BY_URL_NAME, SECTIONS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", [section.url_name for section in SECTIONS])
def test_each_section_page_gets_its_section(client, name):
    response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["section"] is BY_URL_NAME[name]
    # 政务公开 is the portal's column page, titled by its (Chinese) page title.
    title = "政务公开" if name == "disclosure" else BY_URL_NAME[name].title
    assert f"<title>{title} · " in response.content.decode()


def test_pages_outside_the_sections_get_none(client):
    assert client.get(reverse("home")).context["section"] is None
    assert client.get(reverse("periodicals:index")).context["section"] is None
