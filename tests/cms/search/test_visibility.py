"""Only what the visitor may see: drafts, private pages and staff-only or intranet resources
never reach an anonymous visitor from outside; the people allowed do see them."""

from __future__ import annotations

import pytest

API = "/api/v1/search/"


def titles(client, q: str, **extra) -> list[str]:
    return sorted(r["title"] for r in client.get(API, {"q": q}, **extra).json()["results"])


@pytest.fixture
def outside(intranet_settings):
    """Requests come from an address outside the intranet (10/8 and 127/8 are inside)."""
    return {"REMOTE_ADDR": "203.0.113.9"}


def test_a_draft_article_is_not_found(client, make_article, outside):
    make_article("防汛值班安排草稿", live=False)
    make_article("防汛值班安排")

    assert titles(client, "防汛", **outside) == ["防汛值班安排"]


def test_a_page_behind_a_password_or_a_group_is_never_indexed(
    client, make_article, outside, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Group
    from wagtail.models import PageViewRestriction

    secret = make_article("内部督导报告")
    grouped = make_article("内部人事名单")
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(
            page=secret, restriction_type=PageViewRestriction.PASSWORD, password="x"
        )
        restriction = PageViewRestriction.objects.create(
            page=grouped, restriction_type=PageViewRestriction.GROUPS
        )
        restriction.groups.add(Group.objects.create(name="office"))

    assert titles(client, "内部", **outside) == []


def test_a_page_for_signed_in_people_is_found_only_when_signed_in(
    client, make_article, teacher, outside, django_capture_on_commit_callbacks
):
    from wagtail.models import PageViewRestriction

    page = make_article("教职工体检安排")
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)

    assert titles(client, "体检", **outside) == []
    client.force_login(teacher)
    assert titles(client, "体检", **outside) == ["教职工体检安排"]


def test_restricting_a_column_hides_its_articles_and_lifting_it_shows_them_again(
    client, portal, make_article, outside, django_capture_on_commit_callbacks
):
    from wagtail.models import PageViewRestriction

    make_article("考务人员培训")
    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(
            page=portal["news"], restriction_type=PageViewRestriction.PASSWORD, password="x"
        )
    assert titles(client, "考务", **outside) == []

    with django_capture_on_commit_callbacks(execute=True):
        restriction.delete()
    assert titles(client, "考务", **outside) == ["考务人员培训"]


def test_resources_follow_the_network_policy(client, make_resource, outside, teacher):
    make_resource("地理公开课件", visibility="public")
    make_resource("地理内网课件", visibility="intranet")
    make_resource("地理教师用书", visibility="staff")
    make_resource("地理草稿", visibility="public", state="draft")

    # Anonymous, outside the intranet: public only.
    assert titles(client, "地理", **outside) == ["地理公开课件"]
    # Anonymous on the intranet: public and intranet.
    on_intranet = {"REMOTE_ADDR": "10.1.2.3"}
    assert titles(client, "地理", **on_intranet) == ["地理公开课件", "地理内网课件"]
    # A teacher on the intranet: staff material too; never the draft.
    client.force_login(teacher)
    assert titles(client, "地理", **on_intranet) == ["地理公开课件", "地理内网课件", "地理教师用书"]


def test_counts_only_count_what_the_visitor_may_see(client, make_resource, outside):
    make_resource("历史公开课件", visibility="public")
    make_resource("历史教师用书", visibility="staff")

    body = client.get(API, {"q": "历史"}, **outside).json()
    assert body["count"] == 1
    assert body["facets"]["type"] == {"resource": 1}


def test_ebooks_follow_the_same_rules(client, make_resource, outside):
    make_resource("三国演义（电子书）", kind="ebook", visibility="intranet")

    assert titles(client, "三国", **outside) == []
    found = client.get(API, {"q": "三国"}, REMOTE_ADDR="10.1.2.3").json()["results"]
    assert [(r["type"], r["title"]) for r in found] == [("ebook", "三国演义（电子书）")]
