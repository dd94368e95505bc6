"""The ``reindex`` command: progress on the way, an index equal to the database after."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from catalog.search import services
from catalog.search.documents import searchable

pytestmark = pytest.mark.django_db


def test_reindex_shows_progress_and_matches_the_database(search_backend, make_resource):
    for i in range(7):
        make_resource(f"第{i + 1}课 勾股定理")
    make_resource("草稿", state="draft")
    stale = make_resource("已撤回的课件")
    services.update(stale.pk)
    stale.state = "withdrawn"
    stale.save()

    out = StringIO()
    call_command("reindex", "--batch-size", "3", stdout=out)
    output = out.getvalue()
    assert "7/7 resources (100%)" in output
    assert "Indexed 7 resources, removed 1 stale entries" in output
    assert set(search_backend.indexed_ids()) == set(searchable().values_list("pk", flat=True))


def test_reindex_rebuild(search_backend, make_resource):
    make_resource("古诗词鉴赏")
    out = StringIO()
    call_command("reindex", "--rebuild", stdout=out)
    assert "Indexed 1 resources" in out.getvalue()
    assert len(list(search_backend.indexed_ids())) == 1


def test_reindex_reports_an_outage(settings):
    from django.core.management.base import CommandError

    settings.SEARCH_URL = "http://127.0.0.1:9"
    with pytest.raises(CommandError, match="Search is unavailable"):
        call_command("reindex", stdout=StringIO())
