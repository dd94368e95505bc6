"""A column's editors may publish in it, but only the office takes the column itself off
the site or deletes it: through its own page, or ticked in a bulk action."""

from __future__ import annotations

import pytest
from django.utils import translation

from edu_portal.cms.models import ColumnPage
from tests.cms.rights.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _live(page) -> bool:
    return ColumnPage.objects.get(pk=page.pk).live


def test_the_editor_of_a_direct_publishing_column_cannot_unpublish_it(portal, people, commit):
    column = portal["direct"]
    editor = login(people["editor"])
    with commit():
        response = editor.post(f"/cms/pages/{column.pk}/unpublish/", follow=True)
    said = [str(m) for m in response.context["messages"]]
    assert any("Only the bureau office may take the column" in m for m in said), said
    assert _live(column)


def test_the_editor_cannot_delete_the_column(portal, people, commit):
    column = portal["direct"]
    editor = login(people["editor"])
    with commit():
        response = editor.post(f"/cms/pages/{column.pk}/delete/", follow=True)
    said = [str(m) for m in response.context["messages"]]
    assert any("Only the bureau office may delete the column" in m for m in said), said
    assert ColumnPage.objects.filter(pk=column.pk).exists()


def test_nor_through_a_bulk_action(portal, people, commit):
    column = portal["direct"]
    editor = login(people["editor"])
    url = f"/cms/bulk/wagtailcore/page/unpublish/?id={column.pk}&next=/cms/"
    with commit():
        editor.post(url, follow=True)
    assert _live(column)


def test_the_office_takes_a_column_down(portal, people, commit):
    column = portal["direct"]
    office = login(people["office"])
    with commit():
        office.post(f"/cms/pages/{column.pk}/unpublish/", follow=True)
    assert not _live(column)


def test_the_office_can_through_the_same_bulk_action(portal, people, commit):
    # The same request as above succeeds for the office: the refusal is the hook's doing.
    column = portal["direct"]
    office = login(people["office"])
    url = f"/cms/bulk/wagtailcore/page/unpublish/?id={column.pk}&next=/cms/"
    with commit():
        office.post(url, follow=True)
    assert not _live(column)
