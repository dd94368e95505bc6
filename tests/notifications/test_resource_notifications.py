"""Resources in review: the uploader hears of decisions, the reviewers of the review unit
hear of submissions (never the submitter); a finished or failed video tells its uploader.
And ``users_with_perm``, the query behind "the reviewers of a unit"."""

from __future__ import annotations

import pytest
from django.utils import timezone

from edu_portal.accounts import actions as account_actions
from edu_portal.accounts.models import OrgUnit
from edu_portal.accounts.permissions import users_with_perm
from edu_portal.accounts.roles import Role
from edu_portal.notifications.models import Notification
from edu_portal.workflow import transitions
from tests.people import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_indexing(monkeypatch):
    monkeypatch.setattr("catalog.search.indexing.schedule_index", lambda pk: None)


@pytest.fixture
def other_school(bureau):
    kind = OrgUnit.Kind.SCHOOL
    return account_actions.create_org_unit(
        account_actions.SYSTEM, bureau, kind, "实验初级中学", "t-school2"
    )


@pytest.fixture
def people(bureau, department, school, other_school, teacher):
    office = make_user("reviewer_zhou", unit=department)
    account_actions.assign_role(account_actions.SYSTEM, office, Role.OFFICE_REVIEWER, bureau)
    gone = make_user("reviewer_gone", Role.SCHOOL_REVIEWER, school)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    return {
        "teacher": teacher,
        "office": office,
        "head": make_user("head_chen", Role.SCHOOL_ADMIN, school),
        "school_reviewer": make_user("reviewer_he", Role.SCHOOL_REVIEWER, school),
        "bureau_admin": make_user("admin_sun", Role.BUREAU_ADMIN, bureau),
        "elsewhere": make_user("reviewer_zheng", Role.SCHOOL_REVIEWER, other_school),
        "editor": make_user("editor_liu", Role.DEPARTMENT_EDITOR, department),
        "root": make_user("root", is_superuser=True, is_staff=True),
        "gone": gone,
    }


@pytest.fixture
def resource(teacher):
    from catalog.models import Resource

    return Resource.objects.create(
        uploader=teacher, title="分数的初步认识", kind="courseware", org_unit=teacher.org_unit
    )


def _inbox(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


def test_users_with_perm_follows_the_tree(people, school, other_school, department, bureau):
    names = lambda unit: sorted(u.username for u in users_with_perm("content.review", unit))  # noqa: E731
    assert names(school) == ["admin_sun", "head_chen", "reviewer_he", "reviewer_zhou"]
    assert names(other_school) == ["admin_sun", "reviewer_zheng", "reviewer_zhou"]
    assert names(bureau) == ["admin_sun", "reviewer_zhou"]
    # A class below the school reaches the school's reviewers too.
    klass = account_actions.create_org_unit(
        account_actions.SYSTEM, school, OrgUnit.Kind.GRADE, "一年级", "t-g1"
    )
    assert names(klass) == names(school)
    assert [u.username for u in users_with_perm("users.manage", other_school)] == ["admin_sun"]


def test_submission_tells_the_schools_reviewers_not_the_submitter(people, resource, committed):
    committed(transitions.submit, people["teacher"], resource, "第二版")
    told = {
        name
        for name, user in people.items()
        if Notification.objects.filter(recipient=user).exists()
    }
    # The school's own reviewers are asked; the office and the bureau administrator could
    # act too (their scope covers the school) but are not told of every school's upload.
    assert told == {"head", "school_reviewer"}
    note = _inbox(people["school_reviewer"])[0]
    assert note.subject == "To review: “分数的初步认识”"
    assert "teacher_li submitted “分数的初步认识” (城南小学) for review." in note.body
    assert "第二版" in note.body
    assert note.link == "/review/" and note.target == resource and note.category == "resource"


def test_a_school_without_reviewers_goes_to_the_office_then_the_bureau_admin(
    people, other_school, bureau, committed
):
    from catalog.models import Resource

    quiet = account_actions.create_org_unit(
        account_actions.SYSTEM, bureau, OrgUnit.Kind.SCHOOL, "无审核员小学", "t-quiet"
    )
    author = make_user("teacher_wu", Role.TEACHER, quiet)
    first = Resource.objects.create(uploader=author, title="一", kind="courseware", org_unit=quiet)
    committed(transitions.submit, author, first)
    assert [n.recipient.username for n in Notification.objects.all()] == ["reviewer_zhou"]

    people["office"].is_active = False
    people["office"].save(update_fields=["is_active"])
    second = Resource.objects.create(uploader=author, title="二", kind="courseware", org_unit=quiet)
    committed(transitions.submit, author, second)
    told = Notification.objects.filter(target_id=second.pk)
    assert sorted(n.recipient.username for n in told) == ["admin_sun"]


def test_submission_by_a_reviewer_does_not_tell_themselves(people, school, committed):
    from catalog.models import Resource

    own = Resource.objects.create(
        uploader=people["head"], title="校本课程", kind="courseware", org_unit=school
    )
    committed(transitions.submit, people["head"], own)
    assert _inbox(people["head"]) == []
    assert len(_inbox(people["school_reviewer"])) == 1


def test_a_collection_with_a_review_unit_goes_to_that_units_reviewers(
    people, resource, department, committed
):
    from catalog.taxonomy import Collection

    resource.collection = Collection.objects.create(
        slug="t-prov", name="省级精品课", review_unit=department
    )
    resource.save(update_fields=["collection"])
    committed(transitions.submit, people["teacher"], resource)
    assert _inbox(people["school_reviewer"]) == []
    assert len(_inbox(people["office"])) == 1


def _in_review(resource):
    resource.state, resource.submitted_at = "in_review", timezone.now()
    resource.save(update_fields=["state", "submitted_at"])
    return resource


def test_decisions_tell_the_uploader(people, resource, committed):
    teacher, reviewer = people["teacher"], people["school_reviewer"]
    committed(transitions.request_changes, reviewer, _in_review(resource), "请补充教学目标。")
    note = _inbox(teacher)[-1]
    assert note.subject == "Please revise your resource “分数的初步认识”"
    assert "请补充教学目标。" in note.body
    assert note.link in (f"/resources/{resource.pk}/edit/", f"/resources/{resource.pk}/")

    committed(transitions.approve, reviewer, _in_review(resource), "很好")
    note = _inbox(teacher)[-1]
    assert note.subject == "Your resource “分数的初步认识” is published"
    assert note.link == f"/resources/{resource.pk}/" and "很好" in note.body

    committed(transitions.withdraw, reviewer, resource, "版权问题")
    note = _inbox(teacher)[-1]
    assert note.subject == "Your resource “分数的初步认识” was withdrawn"
    assert "版权问题" in note.body

    # Resources are not declined today (sent back or withdrawn instead); should a policy
    # allow it, the signal it sends tells the uploader too.
    from catalog.models import Resource
    from edu_portal.workflow.signals import transitioned

    transitioned.send(
        sender=Resource,
        instance=resource,
        action="decline",
        from_state="in_review",
        to_state="declined",
        actor=reviewer,
        comment="与课程标准不符",
    )
    note = _inbox(teacher)[-1]
    assert note.subject == "Your resource “分数的初步认识” was declined"
    assert "与课程标准不符" in note.body
    assert len(_inbox(teacher)) == 4


def test_the_uploaders_own_withdrawal_tells_nobody(people, resource, committed):
    committed(transitions.withdraw, people["teacher"], _in_review(resource))
    assert _inbox(people["teacher"]) == []


def test_nothing_is_told_when_the_transition_rolls_back(
    people, resource, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        transitions.approve(people["school_reviewer"], _in_review(resource))
    assert _inbox(people["teacher"]) == []


def test_notifications_are_in_chinese_by_default(people, resource, committed, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    committed(transitions.approve, people["school_reviewer"], _in_review(resource))
    note = _inbox(people["teacher"])[-1]
    assert note.subject == "您的资源“分数的初步认识”已发布"
    assert note.body == "审核人已通过，现已向相应用户开放。"


# --- videos ------------------------------------------------------------------------------


@pytest.fixture
def job(teacher):
    from catalog.models import Resource
    from media_pipeline.processing.models import ProcessingJob

    video = Resource.objects.create(
        uploader=teacher, title="认识钟表", kind="video", org_unit=teacher.org_unit
    )
    return ProcessingJob.objects.create(resource=video)


def test_a_failed_video_tells_its_uploader_once(job, teacher, committed, settings, tmp_path):
    from media_pipeline.processing import services

    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    assert committed(services.fail, job.pk, "The file is not a video.")
    assert not committed(services.fail, job.pk, "The file is not a video.")  # already failed
    notes = _inbox(teacher)
    assert len(notes) == 1
    assert notes[0].subject == "Your video “认识钟表” could not be converted"
    assert "The file is not a video." in notes[0].body
    assert notes[0].link == f"/resources/{job.resource_id}/"


def test_a_finished_video_tells_its_uploader(job, teacher, committed, settings, tmp_path):
    from media_pipeline.processing import services

    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    assert services.claim(job.pk, "worker-1")
    runner = services.Runner(job.pk, "worker-1", services.get_storage())
    committed(
        services.finish,
        runner,
        job.resource,
        f"videos/{job.resource_id}/j{job.pk}/",
        duration=12.0,
        has_poster=False,
    )
    notes = _inbox(teacher)
    assert [n.subject for n in notes] == ["Your video “认识钟表” is ready"]
    assert "once it is published" in notes[0].body


def test_audio_is_not_called_a_video(job, teacher, committed, settings, tmp_path):
    from media_pipeline.processing import services

    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    type(job.resource).objects.filter(pk=job.resource_id).update(kind="audio")
    assert committed(services.fail, job.pk, "The file has no sound.")
    assert [n.subject for n in _inbox(teacher)] == ["Your audio “认识钟表” could not be converted"]
