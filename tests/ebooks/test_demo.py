"""`make run`'s demo e-book and periodicals go through the real ingest and review flow."""

from __future__ import annotations

import pytest

from catalog.models import Resource
from ebooks import demo
from ebooks.periodicals.models import Article, Issue, Periodical
from edu_portal.accounts import actions
from edu_portal.accounts.models import OrgUnit
from edu_portal.accounts.roles import Role
from tests.people import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _store(settings, tmp_path):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_demo_ebook_and_periodicals(teacher, bureau):
    office = actions.create_org_unit(
        actions.SYSTEM, bureau, OrgUnit.Kind.DEPARTMENT, "办公室", "t-office"
    )
    editor = make_user("office_chen", unit=office)
    actions.assign_role(actions.SYSTEM, editor, Role.OFFICE_REVIEWER, bureau)

    assert demo.seed_ebook(teacher) is True
    book = Resource.objects.get(kind="ebook", title=demo.BOOK_TITLE)
    assert book.is_published
    assert book.ebook.format == "epub" and book.ebook.chapter_count == 3
    assert book.ebook.authors == ["示范县教育局"]
    assert demo.seed_ebook(teacher) is False  # once only

    # A shelf to browse: every book with a cover and a description, four filed by grade.
    shelf = Resource.objects.filter(kind="ebook").select_related("ebook", "subject")
    assert shelf.count() == len(demo.BOOKS) == 5
    for resource in shelf:
        assert resource.is_published and resource.description
        assert resource.ebook.thumbnail_id and resource.ebook.cover_id
    filed = {(r.grade, r.subject.code) for r in shelf if r.grade}
    assert filed == {(3, "chinese"), (4, "math"), (2, "english"), (8, "physics")}

    assert demo.seed_periodicals(teacher, editor, office) == 1
    assert set(Periodical.objects.values_list("slug", flat=True)) == {"weekly", "research"}
    issue = Issue.objects.get()
    assert issue.state == "published"
    article = Article.objects.get()
    assert article.issue_id == issue.pk and article.author == teacher
    assert demo.seed_periodicals(teacher, editor, office) == 0
