"""The index follows the content: publish, unpublish, delete, move, review transitions,
resource changes; tasks are idempotent; ``rebuild_site_search`` repairs what was missed."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

API = "/api/v1/search/"


def found(client, q: str) -> list[str]:
    return [r["title"] for r in client.get(API, {"q": q}).json()["results"]]


def test_publishing_indexes_and_unpublishing_removes(
    client, make_article, django_capture_on_commit_callbacks
):
    page = make_article("校车安全管理办法", live=False)
    assert found(client, "校车") == []

    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    assert found(client, "校车") == ["校车安全管理办法"]

    page.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    assert found(client, "校车") == []


def test_a_new_revision_reindexes_the_new_words(
    client, make_article, django_capture_on_commit_callbacks
):
    page = make_article("教师招聘公告", "报名时间另行通知")
    page.body = "<p>笔试地点在实验中学</p>"
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()

    assert found(client, "笔试") == ["教师招聘公告"]
    assert found(client, "报名") == []


def test_deleting_a_page_removes_it_and_its_children(
    client, portal, make_article, django_capture_on_commit_callbacks
):
    make_article("寒假安全提示")
    with django_capture_on_commit_callbacks(execute=True):
        portal["news"].delete()

    assert found(client, "寒假") == []


def test_moving_a_page_changes_its_url_in_the_index(
    client, portal, make_article, django_capture_on_commit_callbacks
):
    page = make_article("办事大厅搬迁公告")
    with django_capture_on_commit_callbacks(execute=True):
        page.move(portal["services"], pos="last-child")

    [result] = client.get(API, {"q": "搬迁"}).json()["results"]
    assert result["url"].endswith(f"/guides/{page.slug}/")
    assert client.get(result["url"]).status_code == 200


def test_nothing_is_queued_until_the_transaction_commits(
    client, make_article, django_capture_on_commit_callbacks
):
    from edu_portal.cms.models import SiteSearchEntry

    page = make_article("研学旅行通知", live=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page.save_revision().publish()
    assert not SiteSearchEntry.objects.filter(object_id=page.pk).exists()
    for callback in callbacks:
        callback()
    assert SiteSearchEntry.objects.filter(type="article", object_id=page.pk).exists()


def test_a_search_outage_never_fails_a_publish(
    client, make_article, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from edu_portal.cms.search import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("broker down")

    monkeypatch.setattr(tasks.update_site_search, "delay", broker_down)
    page = make_article("停电通知", live=False)
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()  # no exception: logged, repaired by a rebuild
    page.refresh_from_db()
    assert page.live


def test_the_task_is_idempotent(client, make_article):
    from edu_portal.cms.models import SiteSearchEntry
    from edu_portal.cms.search import tasks

    page = make_article("作业管理规定")
    for _ in range(3):
        tasks.update_site_search([["article", page.pk], ["article", page.pk]])
    assert SiteSearchEntry.objects.filter(type="article", object_id=page.pk).count() == 1


def test_resource_review_and_deletion_follow(
    client, make_resource, django_capture_on_commit_callbacks
):
    from edu_portal.workflow.signals import transitioned

    resource = make_resource("音乐欣赏课件", state="in_review")
    assert found(client, "音乐") == []

    # The review workflow publishes with a conditional UPDATE and says so by its signal.
    type(resource).objects.filter(pk=resource.pk).update(state="published")
    with django_capture_on_commit_callbacks(execute=True):
        transitioned.send(sender=type(resource), instance=resource, action="publish")
    assert found(client, "音乐") == ["音乐欣赏课件"]

    with django_capture_on_commit_callbacks(execute=True):
        resource.delete()
    assert found(client, "音乐") == []


def test_a_resource_made_staff_only_disappears_for_the_public(
    client, make_resource, django_capture_on_commit_callbacks
):
    resource = make_resource("美术作品赏析", visibility="public")
    resource.visibility = "staff"
    with django_capture_on_commit_callbacks(execute=True):
        resource.save(update_fields=["visibility"])

    assert found(client, "美术") == []


def test_rebuild_command_indexes_what_was_missed_and_drops_what_is_stale(
    client, make_article, make_resource
):
    from edu_portal.cms.models import SiteSearchEntry

    make_article("春季开学通知")
    make_resource("春季植树课件")
    SiteSearchEntry.objects.all().delete()
    SiteSearchEntry.objects.create(
        type="article",
        object_id=999999,
        title="春季旧闻",
        url="/gone/",
        visibility="public",
        tokens="春 季 春季",
    )

    call_command("rebuild_site_search")

    assert sorted(found(client, "春季")) == ["春季开学通知", "春季植树课件"]
    call_command("rebuild_site_search")  # again: nothing changes
    assert SiteSearchEntry.objects.filter(title__startswith="春季").count() == 2


def test_rebuild_command_refuses_an_unknown_type(site_backend):
    with pytest.raises(CommandError, match="Unknown type letters"):
        call_command("rebuild_site_search", "--type", "letters")


def test_another_app_registers_a_type(client, site_backend):
    from datetime import UTC, datetime

    from edu_portal.cms.search import Entry, register, services
    from edu_portal.cms.search.registry import unregister

    class Letters:
        rows = {7: "关于校门口交通拥堵的答复"}

        def entry_for(self, object_id):
            title = self.rows.get(object_id)
            return title and Entry(
                "testletter",
                object_id,
                title,
                "已转交交警部门处理",
                f"/test-letters/{object_id}/",
                datetime(2026, 12, 1, tzinfo=UTC),
            )

        def iter_entries(self, batch_size=500):
            yield [self.entry_for(pk) for pk in self.rows]

    register("testletter", "Answered letters", Letters())
    try:
        services.rebuild(types=["testletter"])
        body = client.get(API, {"q": "交通", "type": "testletter"}).json()
        assert [r["title"] for r in body["results"]] == ["关于校门口交通拥堵的答复"]
        assert body["facets"]["type"] == {"testletter": 1}
    finally:
        unregister("testletter")
    # Once unregistered, the type is refused, not silently empty.
    assert client.get(API, {"q": "交通", "type": "testletter"}).status_code == 400


def test_type_names_are_checked(site_backend):
    from edu_portal.cms.search import register

    for bad in ["", "Letter", "a b", "x" * 17, "1abc"]:
        with pytest.raises(ValueError):
            register(bad, "x", object())
