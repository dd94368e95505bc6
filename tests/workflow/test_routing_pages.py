"""/review/ for each role: who sees what, the "who reviews what" box, and submitters who
review nothing get their own submissions instead of a refusal."""

from __future__ import annotations

import pytest
from django.utils import timezone

from edu_portal.workflow.models import State
from tests.workflow.helpers import client_for, titles

pytestmark = pytest.mark.django_db

ROUTING = "Uploads from a school are reviewed by that school"


@pytest.fixture
def routed(make_resource, collection, dept_editor, other_school_teacher):
    now = timezone.now()
    waiting = {"state": State.IN_REVIEW, "submitted_at": now}
    return {
        "school": make_resource(title="城南课件", **waiting),
        "other_school": make_resource(title="实验课件", uploader=other_school_teacher, **waiting),
        "collected": make_resource(title="省级课件", collection=collection, **waiting),
        "department": make_resource(title="科室课件", uploader=dept_editor, **waiting),
    }


@pytest.mark.parametrize(
    ("who", "expected", "scope"),
    [
        ("school_admin", {"城南课件"}, "城南小学"),
        ("school_reviewer", {"城南课件"}, "城南小学"),
        ("other_school_admin", {"实验课件"}, "实验初级中学"),
        (
            "reviewer",
            {"城南课件", "实验课件", "省级课件", "科室课件"},
            "示范县教育局: every school and department",
        ),
    ],
)
def test_each_reviewer_sees_their_part(request, routed, who, expected, scope):
    response = client_for(request.getfixturevalue(who)).get("/review/")
    assert response.status_code == 200
    assert response.context["reviewer"] is True
    assert titles(response) == expected
    page = response.content.decode()
    assert ROUTING in page and "bureau-wide collection" in page
    assert "You review:" in page and scope in page


@pytest.mark.parametrize("who", ["dept_editor", "teacher"])
def test_submitters_get_their_submissions_not_a_refusal(request, routed, who):
    user = request.getfixturevalue(who)
    response = client_for(user).get("/review/")
    assert response.status_code == 200
    assert response.context["reviewer"] is False
    mine = {r.title for r in routed.values() if r.uploader_id == user.pk}
    assert titles(response) == mine and mine
    page = response.content.decode()
    assert "does not review content" in page
    assert ROUTING in page
    # their own items carry no reviewer's buttons
    for resource in routed.values():
        assert f"/review/catalog.resource/{resource.pk}/approve/" not in page
    assert 'id="bulk-form"' not in page


ENGLISH = [
    ROUTING,
    "bureau-wide collection",
    "Office reviewers review everything",
    "Who reviews what",
    "You review:",
    "Filter the queue",
    "Title or uploader",
    "School or unit",
    "Submitted from",
    "Submitted until",
    "Apply filters",
    "Clear filters",
    "filtered",
    "Decide on several items",
    "Tick the items below",
    "Select every item",
    "Items ticked",
    "Comment for every ticked item",
    "Open the full preview",
    "These items were not changed",
    "matches your filters",
    "not yours to review",
    "before the start date",
    "does not review content",
    "Approve and publish",
    "Request changes",
]


def test_the_review_pages_are_all_chinese(school_admin, dept_editor, routed, settings):
    from django.test import Client
    from django.utils import translation

    settings.LANGUAGE_CODE = "zh-hans"
    translation.activate("zh-hans")
    client = Client()
    client.force_login(school_admin)
    # a per-item refusal waiting to be shown, and a filter with a bad range
    client.post(
        "/review/bulk/",
        {"action": "approve", "items": [f"catalog.resource:{routed['other_school'].pk}"]},
    )
    page = client.get(
        "/review/",
        {"q": "城南", "submitted_from": "2030-01-02", "submitted_to": "2030-01-01"},
    ).content.decode()
    assert "谁来审核" in page and "未找到该条目" in page and "结束日期早于开始日期" in page
    client.force_login(dept_editor)
    page += client.get("/review/").content.decode()
    assert "您的账号没有审核权限" in page
    for english in ENGLISH:
        assert english not in page, english


def test_each_item_has_a_preview(school_reviewer, routed, monkeypatch):
    resource = routed["school"]
    client = client_for(school_reviewer)
    page = client.get("/review/").content.decode()
    # no picture yet: the kind stands in for it, and the full preview is one click away
    assert '<span class="review-thumb-kind">Courseware</span>' in page
    assert f'<a href="/resources/{resource.pk}/">Open the full preview</a>' in page

    monkeypatch.setattr("catalog.kinds.thumbnail_url", lambda r: f"/media/thumbs/{r.pk}.jpg")
    page = client.get("/review/").content.decode()
    assert f'<img src="/media/thumbs/{resource.pk}.jpg" alt=""' in page
