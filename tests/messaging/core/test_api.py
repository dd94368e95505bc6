"""The notices API as a client uses it: create, send (twice), report, edit refused after
sending, withdraw, remind; scope of the sender and of the report; bad input as JSON."""

from __future__ import annotations

import pytest
from django.utils import timezone

from edu_portal.messaging import sending
from edu_portal.messaging.models import Delivery, Notice, Recipient
from edu_portal.notifications.models import Notification


@pytest.fixture(autouse=True)
def _no_dispatch(monkeypatch):
    monkeypatch.setattr(sending, "dispatch", lambda seconds=None: 0)


@pytest.fixture
def sent(world, api, notice_data, eager_tasks, django_capture_on_commit_callbacks):
    """A confirm-notice to both classes of 城南小学, sent by its administrator."""
    client = api(world.admin)
    response = client.post("/api/v1/notices/", notice_data(), format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/v1/notices/{pk}/send/").status_code == 202
    return Notice.objects.get(pk=pk)


def test_create_returns_id_and_cleans_the_body(world, api, notice_data):
    response = api(world.admin).post(
        "/api/v1/notices/",
        notice_data(
            body='<p onclick="x()">看<a href="javascript:alert(1)">这</a>'
            '<a href="https://edu.example.cn/a">链接</a></p><script>alert(1)</script>'
        ),
        format="json",
    )
    assert response.status_code == 201
    notice = Notice.objects.get(pk=response.json()["id"])
    assert notice.state == Notice.State.DRAFT
    assert "script" not in notice.body and "onclick" not in notice.body
    assert "javascript" not in notice.body
    assert 'href="https://edu.example.cn/a"' in notice.body and "noopener" in notice.body
    assert notice.org_unit == world.school
    assert notice.channels == ["inbox", "email", "sms"]


def test_a_title_is_one_line(world, api, notice_data):
    """It becomes an SMS text and an e-mail subject: line breaks are folded into spaces."""
    response = api(world.admin).post(
        "/api/v1/notices/", notice_data(title="春游\r\n回执\t通知 "), format="json"
    )
    assert response.status_code == 201
    assert Notice.objects.get(pk=response.json()["id"]).title == "春游 回执 通知"


def test_send_twice_changes_nothing(world, api, sent, django_capture_on_commit_callbacks):
    counts = (Recipient.objects.count(), Delivery.objects.count(), Notification.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        again = api(world.admin).post(f"/api/v1/notices/{sent.pk}/send/")
    assert again.status_code == 202
    assert again.json() == {"id": sent.pk, "state": "sent", "started": False}
    assert counts == (
        Recipient.objects.count(),
        Delivery.objects.count(),
        Notification.objects.count(),
    )
    assert counts[0] == 3


def test_a_get_changes_nothing(world, api, notice_data):
    client = api(world.admin)
    pk = client.post("/api/v1/notices/", notice_data(), format="json").json()["id"]
    assert client.get(f"/api/v1/notices/{pk}/send/").status_code == 405
    assert client.get(f"/api/v1/notices/{pk}/remind/").status_code == 405
    assert Notice.objects.get(pk=pk).state == Notice.State.DRAFT


def test_teacher_cannot_target_another_schools_class(world, api, notice_data):
    client = api(world.teacher)
    response = client.post(
        "/api/v1/notices/", notice_data(audience={"classes": ["cb-g1c1"]}), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "out_of_scope"
    assert "1班" in body["detail"]
    # Nor the other class of the own school, nor a pupil of another school, nor the school.
    for audience in ({"classes": ["cn-g1c2"]}, {"students": [world.wei.pk]}, {"schools": ["cn"]}):
        response = client.post("/api/v1/notices/", notice_data(audience=audience), format="json")
        assert response.status_code == 400, audience
    assert not Notice.objects.exists()
    # Their own class is fine.
    response = client.post(
        "/api/v1/notices/", notice_data(audience={"classes": ["cn-g1c1"]}), format="json"
    )
    assert response.status_code == 201


def test_bad_input_is_a_sentence(world, api, notice_data):
    client = api(world.admin)
    cases = [
        (notice_data(audience={}), "audience"),
        (notice_data(audience={"classes": ["nope"]}), "audience"),
        (notice_data(audience={"teams": ["x"]}), "audience"),
        (notice_data(audience={"classes": "cn-g1c1"}), "audience"),
        (notice_data(title="  "), "title"),
        (notice_data(body="<script>x</script>"), "body"),
        (notice_data(ack="reply"), "reply_choices"),
        (notice_data(channels=["fax"]), "channels"),
        (notice_data(send_at="2001-01-01T08:00:00+08:00"), "send_at"),
    ]
    for data, field in cases:
        response = client.post("/api/v1/notices/", data, format="json")
        assert response.status_code == 400, (field, response.content)
        body = response.json()
        assert body["detail"] or body.get(field), body
        assert field in body.get("errors", body), (field, body)
    assert not Notice.objects.exists()


def test_who_may_create(world, api, notice_data):
    assert api(None).post("/api/v1/notices/", notice_data(), format="json").status_code == 401
    response = api(world.mum).post("/api/v1/notices/", notice_data(), format="json")
    assert response.status_code == 403
    assert response.json()["detail"]


def test_report_counts_per_notice_and_class(world, api, sent):
    Recipient.objects.filter(notice=sent, user=world.mum).update(
        read_at=timezone.now(), confirmed_at=timezone.now()
    )
    Recipient.objects.filter(notice=sent, user=world.dad).update(read_at=timezone.now())
    report = api(world.admin).get(f"/api/v1/notices/{sent.pk}/report/").json()
    assert (report["recipients"], report["read"], report["confirmed"], report["replied"]) == (
        3,
        2,
        1,
        0,
    )
    assert report["deliveries"] == {
        "inbox": {"delivered": 3},
        "email": {"pending": 1},
        "sms": {"pending": 2},
    }
    classes = {c["code"]: c for c in report["classes"]}
    one, two = classes["cn-g1c1"], classes["cn-g1c2"]
    assert (one["recipients"], one["read"], one["confirmed"]) == (3, 2, 1)
    assert (two["recipients"], two["read"], two["confirmed"]) == (1, 1, 1)
    assert one["deliveries"]["inbox"] == {"delivered": 3}
    outstanding = {entry["name"]: entry["children"] for entry in one["outstanding"]}
    assert outstanding == {"张伟": ["张小明"], "李梅": ["李小华"]}
    assert two["outstanding"] == []


def test_report_visible_to_sender_and_administrators_only(world, api, notice_data, eager_tasks):
    client = api(world.teacher)
    pk = client.post(
        "/api/v1/notices/", notice_data(audience={"classes": ["cn-g1c1"]}), format="json"
    ).json()["id"]
    url = f"/api/v1/notices/{pk}/report/"
    for user in (world.teacher, world.admin, world.chief):
        assert api(user).get(url).status_code == 200, user
    for user in (world.other_admin, world.other_teacher, world.mum):
        response = api(user).get(url)
        assert response.status_code == 404, user
        assert response.json()["detail"]
        assert api(user).get(f"/api/v1/notices/{pk}/").status_code == 404
        assert api(user).post(f"/api/v1/notices/{pk}/send/").status_code == 404
    assert Notice.objects.get(pk=pk).state == Notice.State.DRAFT
    listed = api(world.other_admin).get("/api/v1/notices/").json()
    assert listed["count"] == 0
    assert api(world.admin).get("/api/v1/notices/").json()["count"] == 1


def test_editing_after_sending_is_refused(world, api, sent):
    client = api(world.admin)
    response = client.patch(f"/api/v1/notices/{sent.pk}/", {"title": "改"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "not_editable"
    assert client.delete(f"/api/v1/notices/{sent.pk}/").status_code == 400
    assert Notice.objects.get(pk=sent.pk).title == "春游通知"


def test_editing_a_draft(world, api, notice_data):
    client = api(world.admin)
    pk = client.post("/api/v1/notices/", notice_data(), format="json").json()["id"]
    response = client.patch(
        f"/api/v1/notices/{pk}/",
        {"title": "改期", "send_at": "2099-05-01T08:00:00+08:00"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "scheduled" and response.json()["title"] == "改期"
    assert client.delete(f"/api/v1/notices/{pk}/").status_code == 204
    assert not Notice.objects.filter(pk=pk).exists()


def test_withdrawal_reaches_only_those_who_received_it(
    world, api, sent, django_capture_on_commit_callbacks
):
    # 王芳's SMS went out; 李梅's is still waiting (she gets no SMS withdrawal), 王芳's
    # e-mail too.
    Delivery.objects.filter(notice=sent, recipient__user=world.mum, channel="sms").update(
        state=Delivery.State.SENT
    )
    client = api(world.admin)
    assert client.post(f"/api/v1/notices/{sent.pk}/withdraw/", {"reason": " "}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/notices/{sent.pk}/withdraw/", {"reason": "天气原因取消"}, format="json"
        )
    assert response.status_code == 202, response.json()
    assert response.json()["state"] == "withdrawn"
    withdrawal = {
        (d.recipient.user_id, d.channel)
        for d in Delivery.objects.filter(notice=sent, purpose="withdrawal").select_related(
            "recipient"
        )
    }
    assert withdrawal == {
        (world.mum.pk, "inbox"),
        (world.mum.pk, "sms"),
        (world.dad.pk, "inbox"),
        (world.hua_mum.pk, "inbox"),
    }
    waiting = Delivery.objects.filter(notice=sent, purpose="notice").exclude(channel="inbox")
    assert set(waiting.values_list("state", flat=True)) == {"sent", "skipped"}
    assert (
        Notification.objects.filter(recipient=world.mum, subject__startswith="Withdrawn").count()
        == 1
    )
    # Withdrawing again, or editing, changes nothing.
    again = client.post(f"/api/v1/notices/{sent.pk}/withdraw/", {"reason": "x"}, format="json")
    assert again.status_code == 400
    assert Delivery.objects.filter(notice=sent, purpose="withdrawal").count() == 4


def test_remind_only_those_who_have_not_confirmed(
    world, api, sent, settings, django_capture_on_commit_callbacks
):
    Delivery.objects.filter(notice=sent, channel="sms").update(state=Delivery.State.SENT)
    Recipient.objects.filter(notice=sent, user=world.mum).update(confirmed_at=timezone.now())
    Recipient.objects.filter(notice=sent, user=world.dad).update(read_at=timezone.now())
    client = api(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/notices/{sent.pk}/remind/")
    assert response.status_code == 202 and response.json()["round"] == 1
    reminded = {
        (d.recipient.user_id, d.channel)
        for d in Delivery.objects.filter(notice=sent, purpose="reminder", round=1).select_related(
            "recipient"
        )
    }
    assert reminded == {
        (world.dad.pk, "inbox"),
        (world.hua_mum.pk, "inbox"),
        (world.hua_mum.pk, "sms"),
    }
    hua = Recipient.objects.get(notice=sent, user=world.hua_mum)
    assert hua.reminders == 1 and hua.reminded_at is not None
    # Once an interval.
    too_soon = client.post(f"/api/v1/notices/{sent.pk}/remind/")
    assert too_soon.status_code == 400 and too_soon.json()["code"] == "too_soon"
    # A later round reaches only those still outstanding.
    settings.NOTICE_REMIND_MINUTES = 1
    Notice.objects.filter(pk=sent.pk).update(
        reminded_at=timezone.now() - timezone.timedelta(hours=1)
    )
    Recipient.objects.filter(notice=sent, user=world.dad).update(confirmed_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/v1/notices/{sent.pk}/remind/").json()["round"] == 2
    users = set(
        Delivery.objects.filter(notice=sent, purpose="reminder", round=2).values_list(
            "recipient__user_id", flat=True
        )
    )
    assert users == {world.hua_mum.pk}


def test_attachments(
    world, api, notice_data, settings, tmp_path, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from edu_portal.storage import get_storage

    settings.OBJECT_STORE_URL = f"file://{tmp_path}"
    settings.NOTICE_ATTACHMENT_MAX_BYTES = 1000
    client = api(world.admin)
    pk = client.post("/api/v1/notices/", notice_data(), format="json").json()["id"]
    url = f"/api/v1/notices/{pk}/attachments/"
    pdf = SimpleUploadedFile("回执.pdf", b"%PDF-1.4\n%...\n", content_type="application/pdf")
    response = client.post(url, {"file": pdf}, format="multipart")
    assert response.status_code == 201, response.json()
    attachment = response.json()
    assert attachment["name"] == "回执.pdf" and attachment["content_type"] == "application/pdf"
    stored = Notice.objects.get(pk=pk).attachments.get()
    assert get_storage().get_bytes(stored.key) == b"%PDF-1.4\n%...\n"
    bad = [
        SimpleUploadedFile(
            "x.pdf", b"<html><script>alert(1)</script>", content_type="application/pdf"
        ),
        SimpleUploadedFile("x.png", b"not a picture", content_type="image/png"),
        SimpleUploadedFile("x.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
        SimpleUploadedFile("big.pdf", b"%PDF-1.4" + b"0" * 2000, content_type="application/pdf"),
    ]
    for upload in bad:
        response = client.post(url, {"file": upload}, format="multipart")
        assert response.status_code == 400, upload.name
        assert response.json()["detail"]
    assert Notice.objects.get(pk=pk).attachments.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"{url}{stored.pk}/")
    assert response.status_code == 204
    assert not get_storage().exists(stored.key)
    assert not Notice.objects.get(pk=pk).attachments.exists()
