"""Compose and edit: the audience limited to the sender's scope, drafts, scheduling,
sending, attachments, and a sent notice that can no longer be changed."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from edu_portal.messaging.models import Notice, Recipient, RecipientChild
from tests.messaging.sender.helpers import compose, notice_form
from tests.schools.conftest import client_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_compose_page_offers_only_the_senders_classes(schools, families):
    page = client_for(families.class_teacher).get(reverse("messaging:compose"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="cn-g1c1"' in html
    assert "张小明" in html  # pupils of the class, to pick one by one
    assert 'value="cn-g1c2"' not in html and 'value="cb-g1c1"' not in html
    assert "赵小丽" not in html and "钱小北" not in html
    # A class teacher is not offered the whole school or its staff.
    assert 'name="schools"' not in html and 'name="staff"' not in html


def test_school_admin_is_offered_the_school_grades_and_staff(schools, families):
    html = client_for(schools.admin_a).get(reverse("messaging:compose")).content.decode()
    for value in ('name="schools" value="cn"', 'name="staff" value="cn"', 'value="cn-g1"'):
        assert value in html
    assert 'value="cb-g1c1"' not in html


def test_draft_in_scope_is_saved_with_a_clean_body(schools, families):
    client = client_for(families.class_teacher)
    response = compose(
        client,
        classes=["cn-g1c1"],
        body='<p onclick="x()">请<strong>签字</strong></p><script>alert(1)</script>',
    )
    notice = Notice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:edit", args=[notice.pk])
    assert notice.state == Notice.State.DRAFT
    assert notice.sender == families.class_teacher
    assert notice.org_unit == schools.a
    assert notice.audience == {"classes": ["cn-g1c1"]}
    assert notice.reply_choices == ["同意", "不同意"]
    assert "<script" not in notice.body and "onclick" not in notice.body
    assert "<strong>签字</strong>" in notice.body


def test_plain_text_becomes_paragraphs(schools, families):
    compose(client_for(families.class_teacher), classes=["cn-g1c1"], body="第一段\n第二行\n\n<三>")
    body = Notice.objects.get().body
    assert body == "<p>第一段<br>第二行</p><p>&lt;三&gt;</p>"


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("classes", "cn-g1c2", "2班"),  # a class of the same school, not the teacher's
        ("classes", "cb-g1c1", "1班"),  # another school's class
        ("grades", "cn-g1", "一年级"),  # the grade above the teacher's class
        ("schools", "cn", "城南小学"),
        ("staff", "cn", "城南小学"),
    ],
)
def test_out_of_scope_unit_refused_with_a_sentence(schools, families, field, value, named):
    response = compose(client_for(families.class_teacher), **{field: [value]})
    assert response.status_code == 400
    html = response.content.decode()
    assert named in html and "outside the classes and schools you may send notices to" in html
    assert not Notice.objects.exists()


def test_pupil_of_another_class_refused(schools, families):
    client = client_for(families.class_teacher)
    response = compose(client, students=[str(families.pupils2[0].pk)])
    assert response.status_code == 400
    assert "You may not send notices to the pupil" in response.content.decode()
    assert not Notice.objects.exists()


def test_teacher_of_a_school_cannot_target_another_schools_class(schools, families):
    response = compose(client_for(schools.teacher_a), classes=["cb-g1c1"])
    assert response.status_code == 400
    assert not Notice.objects.exists()


def test_nothing_chosen_or_reply_without_answers(schools, families):
    client = client_for(families.class_teacher)
    response = compose(client)
    assert response.status_code == 400
    assert "Choose who receives the notice" in response.content.decode()
    response = compose(client, classes=["cn-g1c1"], reply_choices="", reply_text="")
    assert response.status_code == 400
    assert "A reply form needs answers" in response.content.decode()
    assert not Notice.objects.exists()


def test_people_who_may_not_send_are_refused(schools, families):
    guardian = client_for(families.guardians1[0])
    assert guardian.get(reverse("messaging:compose")).status_code == 403
    assert guardian.get(reverse("messaging:sent")).status_code == 403
    assert compose(guardian, classes=["cn-g1c1"]).status_code == 403
    assert not Notice.objects.exists()


def test_schedule_needs_a_future_time(schools, families):
    client = client_for(families.class_teacher)
    past = (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = compose(client, classes=["cn-g1c1"], do="schedule", send_at=past)
    assert response.status_code == 400
    assert "has passed already" in response.content.decode()
    response = compose(client, classes=["cn-g1c1"], do="schedule")
    assert "Give the date and time" in response.content.decode()
    later = timezone.localtime() + datetime.timedelta(days=1)
    when = later.strftime("%Y-%m-%dT%H:%M")
    response = compose(client, classes=["cn-g1c1"], do="schedule", send_at=when)
    notice = Notice.objects.get()
    assert response.status_code == 302
    assert notice.state == Notice.State.SCHEDULED
    assert notice.send_at == later.replace(second=0, microsecond=0)


def test_send_now_freezes_the_guardians_of_the_class(schools, families, eager):
    client = client_for(families.class_teacher)
    with eager():
        response = compose(client, classes=["cn-g1c1"], do="send", channels=["sms"])
    notice = Notice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:report", args=[notice.pk])
    notice.refresh_from_db()
    assert notice.state == Notice.State.SENT
    users = set(Recipient.objects.filter(notice=notice).values_list("user_id", flat=True))
    assert users == {g.pk for g in families.guardians1} | {families.both.pk}
    # The guardian with children in both classes is told about the class-1 child only.
    names = RecipientChild.objects.filter(recipient__user=families.both).values_list(
        "student_name", flat=True
    )
    assert list(names) == ["王小刚"]


def test_edit_a_draft_with_attachments(schools, families):
    client = client_for(families.class_teacher)
    compose(client, classes=["cn-g1c1"])
    notice = Notice.objects.get()
    url = reverse("messaging:edit", args=[notice.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "春游通知" in page.content.decode() and "How guardians see it" in page.content.decode()
    data = notice_form(title="春游通知（改）", classes=["cn-g1c1"], ack="confirm")
    data["attachments"] = [SimpleUploadedFile("回执.pdf", PDF, "application/pdf")]
    response = client.post(url, data)
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.title == "春游通知（改）" and notice.ack == "confirm"
    assert notice.reply_choices == []
    item = notice.attachments.get()
    assert item.name == "回执.pdf"
    download = client.get(reverse("messaging:attachment", args=[notice.pk, item.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content if download.streaming else [download.content]) == PDF
    remove = reverse("messaging:attachment-delete", args=[notice.pk, item.pk])
    assert client.get(remove).status_code == 405
    assert client.post(remove).status_code == 302
    assert not notice.attachments.exists()


def test_attachment_of_a_wrong_type_refused_and_nothing_saved(schools, families):
    client = client_for(families.class_teacher)
    data = notice_form(classes=["cn-g1c1"])
    data["attachments"] = [SimpleUploadedFile("run.exe", b"MZ\x90\x00", "application/x-msdownload")]
    response = client.post(reverse("messaging:compose"), data)
    assert response.status_code == 400
    assert "Attach documents or pictures" in response.content.decode()
    assert not Notice.objects.exists()


def test_a_sent_notice_cannot_be_edited_only_withdrawn(schools, families, eager):
    client = client_for(families.class_teacher)
    with eager():
        compose(client, classes=["cn-g1c1"], do="send")
    notice = Notice.objects.get()
    url = reverse("messaging:edit", args=[notice.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="title"' not in html and "Withdraw the notice" in html
    assert "In-app inbox" in html and "1班" in html  # how and to whom it went
    response = client.post(url, notice_form(title="改过的标题", classes=["cn-g1c1"]))
    assert response.status_code == 409
    assert "cannot be changed, only withdrawn" in response.content.decode()
    notice.refresh_from_db()
    assert notice.title == "春游通知"


def test_delete_a_draft(schools, families):
    client = client_for(families.class_teacher)
    compose(client, classes=["cn-g1c1"])
    notice = Notice.objects.get()
    assert client.get(reverse("messaging:delete", args=[notice.pk])).status_code == 405
    assert client.post(reverse("messaging:delete", args=[notice.pk])).status_code == 302
    assert not Notice.objects.exists()


def test_too_many_pupils_are_not_listed(schools, families, monkeypatch):
    from edu_portal.messaging import forms

    monkeypatch.setattr(forms, "MAX_PUPILS_LISTED", 2)
    html = client_for(families.class_teacher).get(reverse("messaging:compose")).content.decode()
    assert 'name="students"' not in html and "too many pupils to list" in html
    assert 'value="cn-g1c1"' in html
