"""The review queue's filters: kind, school or unit, collection, submission dates and text;
choices only from the reviewer's own queue; bad input explained next to its field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from edu_portal.workflow.models import State
from tests.workflow.helpers import client_for, titles

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(make_resource, collection, other_school_teacher, teacher):
    teacher.display_name = "李华"
    teacher.save(update_fields=["display_name"])
    now = timezone.now()

    def waiting(title, days_ago, **fields):
        submitted = now - timedelta(days=days_ago)
        return make_resource(title=title, state=State.IN_REVIEW, submitted_at=submitted, **fields)

    return {
        "slides": waiting("分数 课件", 10, kind="courseware"),
        "video": waiting("分数 微课", 5, kind="video"),
        "other": waiting("勾股定理 课件", 1, kind="courseware", uploader=other_school_teacher),
        "collected": waiting("春 朗读", 0, kind="lesson_plan", collection=collection),
    }


def _get(user, **params):
    response = client_for(user).get("/review/", params)
    assert response.status_code == 200
    return response


def test_kind_filter(reviewer, queue):
    assert titles(_get(reviewer, kind="courseware")) == {"分数 课件", "勾股定理 课件"}
    assert titles(_get(reviewer, kind="video")) == {"分数 微课"}


def test_unit_filter(reviewer, queue, other_school):
    response = _get(reviewer, unit=str(other_school.pk))
    assert titles(response) == {"勾股定理 课件"}
    assert response.context["filtered"] is True
    assert "1 item matches your filters" in response.content.decode()


def test_collection_filter(reviewer, queue, collection):
    assert titles(_get(reviewer, collection=str(collection.pk))) == {"春 朗读"}


def test_text_filter_searches_title_and_uploader(reviewer, queue):
    assert titles(_get(reviewer, q="分数")) == {"分数 课件", "分数 微课"}
    assert titles(_get(reviewer, q="李华")) == {"分数 课件", "分数 微课", "春 朗读"}
    assert titles(_get(reviewer, q="没有这个")) == set()


def test_date_filters(reviewer, queue):
    today = timezone.localdate()
    since = (today - timedelta(days=6)).isoformat()
    assert titles(_get(reviewer, submitted_from=since)) == {"分数 微课", "勾股定理 课件", "春 朗读"}
    until = (today - timedelta(days=6)).isoformat()
    assert titles(_get(reviewer, submitted_to=until)) == {"分数 课件"}


def test_filters_combine(reviewer, queue, school):
    response = _get(reviewer, kind="courseware", unit=str(school.pk), q="分数")
    assert titles(response) == {"分数 课件"}


def test_choices_come_from_the_reviewers_own_queue(school_admin, queue, other_school):
    response = _get(school_admin)
    form = response.context["form"]
    units = dict(form.fields["unit"].choices)
    assert "实验初级中学" not in units.values() and "城南小学" in units.values()
    kinds = dict(form.fields["kind"].choices)
    assert set(kinds) == {"", "courseware", "video"}  # not the collection's lesson plan
    # a unit outside her queue is refused as a choice, and shows nothing of it
    response = _get(school_admin, unit=str(other_school.pk))
    assert "unit" in response.context["form"].errors
    assert "勾股定理 课件" not in titles(response)


def test_bad_dates_are_explained_next_to_the_field(reviewer, queue):
    response = _get(reviewer, submitted_from="2024-13-45")
    form = response.context["form"]
    assert "submitted_from" in form.errors
    page = response.content.decode()
    assert 'id="id_submitted_from-error"' in page
    assert titles(response) == {r.title for r in queue.values()}  # the rest still works

    response = _get(reviewer, submitted_from="2024-05-02", submitted_to="2024-05-01")
    assert "before the start date" in response.context["form"].errors["submitted_to"][0]

    # a valid filter still applies beside a bad one, and the page says it is filtered
    response = _get(reviewer, kind="video", submitted_to="yesterday")
    assert titles(response) == {"分数 微课"}
    assert response.context["filtered"] is True


def test_nothing_matches(reviewer, queue):
    page = _get(reviewer, q="没有这个").content.decode()
    assert "Nothing matches your filters." in page
    assert "Clear filters" in page


def test_pages_keep_the_filters(reviewer, make_resource):
    start = timezone.now() - timedelta(days=30)
    for i in range(22):
        make_resource(
            state=State.IN_REVIEW,
            title=f"课件{i:02d}",
            kind="courseware",
            submitted_at=start + timedelta(hours=i),
        )
    make_resource(state=State.IN_REVIEW, title="视频", kind="video", submitted_at=start)
    first = _get(reviewer, kind="courseware")
    assert len(first.context["items"]) == 20
    assert "?kind=courseware&amp;page=2" in first.content.decode()
    second = _get(reviewer, kind="courseware", page="2")
    assert titles(second) == {"课件20", "课件21"}
