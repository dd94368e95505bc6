"""A resource's own page: metadata, preview states, download or the reason there is none,
refusals (draft, outside the intranet), 404 and 410, and related resources."""

from __future__ import annotations

import pytest
from django.utils import timezone

from catalog.models import Resource
from edu_portal.accounts.roles import Role
from tests.people import make_user

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
OUTSIDE = {"REMOTE_ADDR": "10.9.9.1", "HTTP_X_FORWARDED_FOR": "8.8.8.8"}


def detail(client, resource, **extra):
    return client.get(f"/resources/{resource.pk}/", **{**EN, **extra})


def test_page_shows_metadata_and_counts_the_view(client, make_resource, book):
    resource = make_resource(
        "勾股定理课件",
        grade=8,
        subject="math",
        textbook_node=book["lesson1"],
        collection="local",
        tags=["勾股定理", "公开课"],
        description="第一课时",
    )
    response = detail(client, resource)
    assert response.status_code == 200
    text = response.content.decode()
    for expected in (
        "勾股定理课件",
        "第一课时",
        "Junior high school",
        "Grade 8",
        "数学",
        "人教版 · 八年级上册",
        "第十七章 勾股定理",
        "17.1 勾股定理",
        "本地资源",
        "#公开课",
        "勾股定理课件.pptx",
        "PowerPoint",
        "2.0\xa0KB",
    ):
        assert expected in text, expected
    assert f"node={book['lesson1'].pk}" in text
    resource.refresh_from_db()
    assert resource.view_count == 1
    detail(client, resource)
    resource.refresh_from_db()
    assert resource.view_count == 2


def test_unknown_is_404_and_deleted_is_410(client, make_resource):
    assert client.get("/resources/999999/").status_code == 404
    resource = make_resource("旧课件")
    Resource.objects.filter(pk=resource.pk).update(deleted_at=timezone.now())
    response = detail(client, resource)
    assert response.status_code == 410
    assert "This resource has been removed" in response.content.decode()


def test_drafts_are_for_the_owner_only(client, make_resource, teacher, school):
    draft = make_resource("草稿课件", state="draft", index=False)
    other = make_user("teacher_zhao", Role.TEACHER, school)
    client.force_login(other)
    response = detail(client, draft)
    # Not even its existence is told: the same page as for an id that does not exist.
    assert response.status_code == 404
    text = response.content.decode()
    assert "草稿课件" not in text and "has not been published yet" not in text

    client.force_login(teacher)
    response = detail(client, draft)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'class="state-badge state-draft"' in text
    assert "Only you, reviewers and administrators can see this page" in text
    draft.refresh_from_db()
    assert draft.view_count == 0


def test_outside_the_intranet_is_told_why(client, make_resource, intranet_settings):
    resource = make_resource("内网课件", visibility="intranet")
    response = detail(client, resource, **OUTSIDE)
    assert response.status_code == 403
    assert "outside_intranet" in response.content.decode()
    assert detail(client, resource, REMOTE_ADDR="10.1.2.3").status_code == 200


def test_teacher_gets_a_download_button(client, make_resource, teacher):
    resource = make_resource("勾股定理课件")
    client.force_login(teacher)
    text = detail(client, resource).content.decode()
    assert f'href="/resources/{resource.pk}/download/"' in text
    assert "download-refused" not in text


def test_student_is_told_why_there_is_no_download(client, make_resource, student):
    resource = make_resource("勾股定理课件")
    client.force_login(student)
    text = detail(client, resource).content.decode()
    assert f"/resources/{resource.pk}/download/" not in text
    assert 'data-code="download_not_allowed"' in text
    assert "may view this resource but not download it" in text


def test_visitor_is_asked_to_sign_in_to_download(client, make_resource):
    resource = make_resource("勾股定理课件")
    text = detail(client, resource).content.decode()
    assert 'data-code="login_required"' in text
    assert "Only signed-in teachers can download this resource." in text
    assert f"?next=/resources/{resource.pk}/" in text


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("ready", 'data-pdf-url="/resources/{pk}/preview.pdf"'),
        ("pending", "The preview is being prepared."),
        ("failed", "You can still download it"),
        ("none", "There is no preview of this kind of file."),
    ],
)
def test_preview_states(client, make_resource, state, expected):
    resource = make_resource("勾股定理课件", preview_state=state)
    text = detail(client, resource).content.decode()
    assert expected.format(pk=resource.pk) in text


def test_video_still_processing_links_to_its_progress(client, make_resource, intranet_settings):
    video = make_resource("课堂实录", kind="video", status="processing")
    text = detail(client, video, REMOTE_ADDR="10.1.2.3").content.decode()
    assert f'href="/watch/{video.pk}/"' in text
    assert 'id="player"' not in text


def test_related_resources(client, make_resource, book, intranet_settings):
    main = make_resource("勾股定理课件", grade=8, subject="math", textbook_node=book["lesson1"])
    same_lesson = make_resource(
        "勾股定理学案", grade=8, subject="math", textbook_node=book["lesson1"]
    )
    same_grade = make_resource("一次函数", grade=8, subject="math")
    tagged = make_resource("古诗两首", grade=3, subject="chinese", tags=["公开课"])
    main.tags.set(tagged.tags.all())
    make_resource("内网勾股", grade=8, subject="math", visibility="intranet")
    make_resource("勾股草稿", grade=8, subject="math", state="draft")
    make_resource("物理", grade=9, subject="physics")
    text = detail(client, main, **OUTSIDE).content.decode()
    related = text.split('id="related-heading"', 1)[1]
    assert related.index(same_lesson.title) < related.index(same_grade.title)
    assert related.index(same_grade.title) < related.index(tagged.title)
    for absent in ("内网勾股", "勾股草稿", "物理"):
        assert absent not in related


def test_ready_video_embeds_the_player(client, make_resource, intranet_settings):
    video = make_resource("课堂实录", kind="video", duration=65.0, poster_key="x")
    Resource.objects.filter(pk=video.pk).update(output_prefix=f"hls/{video.pk}/3/")
    text = detail(client, video, REMOTE_ADDR="10.1.2.3").content.decode()
    assert 'id="player"' in text
    assert 'id="player-config"' in text
    assert f"/stream/{video.pk}/master.m3u8" in text
    assert f'poster="/stream/{video.pk}/3/' in text
    assert "/static/streaming/player.js" in text
    assert "1:05" in text
    # The video section lists it too.
    assert "课堂实录" in client.get("/videos/", REMOTE_ADDR="10.1.2.3", **EN).content.decode()


def test_owner_submits_a_draft_from_the_page(client, make_resource, teacher):
    draft = make_resource("草稿课件", state="draft", index=False)
    client.force_login(teacher)
    text = detail(client, draft).content.decode()
    action = f"/review/catalog.resource/{draft.pk}/submit/"
    assert f'action="{action}"' in text
    response = client.post(action, {"state": "draft", "next": f"/resources/{draft.pk}/"})
    assert response.status_code == 302
    assert response["Location"] == f"/resources/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.state == "in_review"
    text = detail(client, draft).content.decode()
    assert 'class="state-badge state-in_review"' in text
    assert f'action="{action}"' not in text
