"""Columns offer the services of the apps above the portal: 依申请公开 its form and look-up,
互动交流 the letter form, the published answers and the look-up."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.cms.structure.conftest import column

pytestmark = pytest.mark.django_db


def test_the_on_request_column_offers_the_application_form_and_the_lookup(client):
    page = column("disclosure/on-request")
    html = client.get(page.url).content.decode()
    assert f'href="{reverse("disclosure:apply")}"' in html
    assert f'href="{reverse("disclosure:lookup")}"' in html
    assert reverse("interaction:write") not in html


def test_the_interactive_column_offers_the_letters(client):
    page = column("interact")
    assert page.kind == "interactive" and page.show_in_menus
    html = client.get(page.url).content.decode()
    assert f'href="{reverse("interaction:write")}?kind=mailbox"' in html
    assert f'href="{reverse("interaction:answers")}"' in html
    assert f'href="{reverse("interaction:lookup")}"' in html
    assert reverse("disclosure:apply") not in html


def test_other_columns_offer_nothing(client):
    html = client.get(column("news").url).content.decode()
    assert "column-services" not in html
