"""The edit page (/resources/<id>/edit/): the uploader changes the details through
catalog.actions.update_resource; everyone else is told the page does not exist."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.test import Client

from catalog.models import Resource, Subject
from edu_portal.workflow.models import State
from tests.authoring.conftest import client_for

pytestmark = pytest.mark.django_db


def edit_url(resource: Resource) -> str:
    return f"/resources/{resource.pk}/edit/"


def form_data(resource: Resource, **changes) -> dict:
    data = {
        "title": resource.title,
        "description": resource.description,
        "kind": resource.kind,
        "visibility": resource.visibility,
        "stage": resource.stage,
        "grade": resource.grade or "",
        "subject": resource.subject_id or "",
        "edition": resource.edition_id or "",
        "textbook_node": resource.textbook_node_id or "",
        "collection": resource.collection_id or "",
        "licence": resource.licence,
        "tags": ", ".join(resource.tags.values_list("name", flat=True)),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_owner_sees_the_details_and_the_reviewer_comment(teacher, make):
    resource = make("勾股定理 课件", state="changes_requested")
    response = client_for(teacher).get(edit_url(resource))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="勾股定理 课件"' in page
    assert "请把第三页的错别字改正。" in page
    # The resubmit form with a note, and the file picker.
    assert 'name="comment"' in page and "Resubmit for review" in page
    assert 'id="replace-form"' in page


def test_owner_saves_title_taxonomy_and_tags(teacher, make):
    resource = make("旧标题", state="changes_requested")
    math = Subject.objects.get(code="math")
    response = client_for(teacher).post(
        edit_url(resource),
        form_data(resource, title="新标题", grade=8, subject=math.pk, tags="几何，勾股定理、几何"),
    )
    assert response.status_code == 302 and response["Location"] == edit_url(resource)
    resource.refresh_from_db()
    assert resource.title == "新标题"
    assert (resource.stage, resource.grade, resource.subject_id) == ("junior", 8, math.pk)
    assert sorted(resource.tags.values_list("name", flat=True)) == ["几何", "勾股定理"]
    entry = LogEntry.objects.get_for_object(resource).order_by("-pk").first()
    assert entry.changes_dict["title"] == ["旧标题", "新标题"]
    assert entry.actor == teacher
    # The state is untouched: resubmitting is a separate step.
    assert resource.state == State.CHANGES_REQUESTED


def test_a_taxonomy_that_does_not_fit_is_explained_next_to_the_field(teacher, make):
    resource = make("不变的标题")
    response = client_for(teacher).post(
        edit_url(resource), form_data(resource, title="改了的标题", stage="primary", grade=8)
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["grade"] == ["This grade does not belong to the stage chosen."]
    page = response.content.decode()
    assert 'id="id_grade_error"' in page and 'aria-invalid="true"' in page
    resource.refresh_from_db()
    assert resource.title == "不变的标题" and resource.grade is None  # nothing half-saved


def test_subject_not_taught_at_the_stage(teacher, make):
    resource = make("物理课件")
    physics = Subject.objects.get(code="physics")
    response = client_for(teacher).post(
        edit_url(resource), form_data(resource, stage="primary", subject=physics.pk)
    )
    assert response.status_code == 400
    assert "subject" in response.context["form"].errors


def test_an_empty_title_is_refused(teacher, make):
    resource = make("有标题")
    response = client_for(teacher).post(edit_url(resource), form_data(resource, title=""))
    assert response.status_code == 400
    assert response.context["form"].errors["title"]
    resource.refresh_from_db()
    assert resource.title == "有标题"


def test_a_video_kind_for_a_document_is_refused(teacher, make):
    resource = make("讲义")
    response = client_for(teacher).post(edit_url(resource), form_data(resource, kind="video"))
    assert response.status_code == 400
    assert "kind" in response.context["form"].errors
    resource.refresh_from_db()
    assert resource.kind == "courseware"


def test_published_resources_change_only_through_review(teacher, make):
    resource = make("已发布", state="published")
    client = client_for(teacher)
    page = client.get(edit_url(resource)).content.decode()
    assert "Withdraw to edit" in page and 'id="replace-form"' not in page
    response = client.post(edit_url(resource), form_data(resource, title="偷偷改"))
    assert response.status_code == 400
    assert "changes must go through review" in response.content.decode()
    resource.refresh_from_db()
    assert resource.title == "已发布"


@pytest.mark.parametrize("who", ["other_teacher", "school_reviewer"])
def test_others_are_told_it_does_not_exist(request, make, who):
    resource = make("我的草稿", state="in_review")
    client = client_for(request.getfixturevalue(who))
    assert client.get(edit_url(resource)).status_code == 404
    response = client.post(edit_url(resource), form_data(resource, title="别人改的"))
    assert response.status_code == 404
    resource.refresh_from_db()
    assert resource.title == "我的草稿"


def test_a_missing_resource_is_404_too(teacher):
    assert client_for(teacher).get("/resources/999999/edit/").status_code == 404


def test_bureau_admin_may_edit(bureau_admin, make):
    resource = make("需要修改的课件", state="changes_requested")
    response = client_for(bureau_admin).post(
        edit_url(resource), form_data(resource, title="管理员改的")
    )
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.title == "管理员改的"


def test_removed_resources_answer_410(teacher, make):
    resource = make("已删除", state="removed")
    assert client_for(teacher).get(edit_url(resource)).status_code == 410


def test_sign_in_required(make):
    resource = make("草稿")
    response = Client().get(edit_url(resource))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_post_without_csrf_token_is_refused(teacher, make):
    resource = make("草稿")
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="10.1.2.3")
    client.force_login(teacher)
    response = client.post(edit_url(resource), form_data(resource, title="跨站改的"))
    assert response.status_code == 403
    resource.refresh_from_db()
    assert resource.title == "草稿"


def test_get_with_parameters_changes_nothing(teacher, make):
    resource = make("草稿")
    response = client_for(teacher).get(edit_url(resource), form_data(resource, title="GET 改的"))
    assert response.status_code == 200
    resource.refresh_from_db()
    assert resource.title == "草稿"


def test_detail_page_links_the_owner_to_the_edit_page(teacher, other_teacher, make):
    resource = make("退回的课件", state="changes_requested")
    page = client_for(teacher).get(f"/resources/{resource.pk}/").content.decode()
    assert f'href="{edit_url(resource)}"' in page and "Edit and resubmit" in page
    published = make("已发布的课件", state="published")
    page = client_for(other_teacher).get(f"/resources/{published.pk}/").content.decode()
    assert f'href="{edit_url(published)}"' not in page
