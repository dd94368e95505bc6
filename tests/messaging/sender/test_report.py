"""After sending: the report (numbers, answers, names of those who have not, masked
phones), reminders to those only, withdrawal with a reason, and who may see all this."""

from __future__ import annotations

import pytest
from django.urls import reverse

from edu_portal.messaging import receipts
from edu_portal.messaging.models import Delivery, Notice, Recipient
from tests.messaging.sender.helpers import compose
from tests.schools.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def slip(schools, families, eager, settings, tmp_path):
    """A permission slip (同意/不同意 and a short text, by inbox and SMS) sent by the class
    teacher to class 1; two guardians answered (同意, 不同意), the one with children in both
    classes has not."""
    settings.VAR_DIR = tmp_path
    settings.SMS_BACKEND = "file"
    settings.NOTICE_QUIET_START = settings.NOTICE_QUIET_END = "00:00"
    # The repeat guard lives in the cache, which outlives the test database: another
    # test's SMS with the same number and text must not hold these.
    settings.SMS_REPEAT_SECONDS = 0
    with eager():
        compose(
            client_for(families.class_teacher),
            classes=["cn-g1c1"],
            do="send",
            channels=["sms"],
            urgent="on",
            reply_text="on",
        )
    notice = Notice.objects.get()
    first, second = families.guardians1
    receipts.reply(Recipient.objects.get(notice=notice, user=first), "同意", "好的")
    receipts.reply(Recipient.objects.get(notice=notice, user=second), "不同意", "")
    return notice


def test_report_numbers_answers_and_names(schools, families, slip):
    page = client_for(families.class_teacher).get(reverse("messaging:report", args=[slip.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<dd data-key="recipients">3</dd>' in html
    assert '<dd data-key="replied">2</dd>' in html
    assert '<dd data-key="missing">1</dd>' in html
    assert "<strong>同意</strong> 1" in html and "<strong>不同意</strong> 1" in html
    assert "一年级1班" in html
    # Who has not: the guardian, the child, the number masked; never the full number.
    assert "王妈妈" in html and "王小刚" in html and "138****0003" in html
    assert "13800000003" not in html
    # Those who answered are not listed as missing.
    missing = html.split("Not replied yet:")[1]
    assert "张爸爸" not in missing and "李妈妈" not in missing
    numbers = client_for(families.class_teacher).get(
        reverse("messaging:report", args=[slip.pk]), {"format": "json"}
    )
    assert numbers.json() == {
        "recipients": 3, "read": 2, "confirmed": 0, "replied": 2, "missing": 1
    }  # fmt: skip


def test_remind_only_those_who_have_not_answered(schools, families, slip, eager):
    client = client_for(families.class_teacher)
    url = reverse("messaging:remind", args=[slip.pk])
    assert client.get(url).status_code == 405  # a GET changes nothing
    assert not Delivery.objects.filter(purpose=Delivery.Purpose.REMINDER).exists()
    with eager():
        response = client.post(url, follow=True)
    assert "A reminder is on its way to the 1 guardian who has not answered" in (
        response.content.decode()
    )
    reminded = set(
        Delivery.objects.filter(notice=slip, purpose=Delivery.Purpose.REMINDER).values_list(
            "recipient__user_id", "channel"
        )
    )
    assert reminded == {(families.both.pk, "inbox"), (families.both.pk, "sms")}
    # A second press within the interval is refused with a sentence, and sends nothing.
    with eager():
        again = client.post(url, follow=True)
    assert "less than 60 minutes ago" in again.content.decode()
    assert Delivery.objects.filter(purpose=Delivery.Purpose.REMINDER).count() == 2


def test_withdraw_needs_a_reason_and_tells_those_who_received_it(schools, families, slip, eager):
    client = client_for(families.class_teacher)
    url = reverse("messaging:withdraw", args=[slip.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 400
    assert "Say why the notice is withdrawn" in response.content.decode()
    slip.refresh_from_db()
    assert slip.state == Notice.State.SENT
    with eager():
        response = client.post(url, {"reason": "日期改了，另发通知"})
    assert response.status_code == 302
    slip.refresh_from_db()
    assert slip.state == Notice.State.WITHDRAWN and slip.withdraw_reason == "日期改了，另发通知"
    told = Delivery.objects.filter(notice=slip, purpose=Delivery.Purpose.WITHDRAWAL)
    assert {d.recipient.user_id for d in told} == {g.pk for g in families.guardians1} | {
        families.both.pk
    }
    page = client.get(reverse("messaging:edit", args=[slip.pk])).content.decode()
    assert "日期改了，另发通知" in page and "Withdraw the notice" not in page
    # Withdrawn twice: refused with a sentence, nothing more sent.
    count = told.count()
    with eager():
        again = client.post(url, {"reason": "再撤一次"})
    assert again.status_code == 409 and "withdrawn already" in again.content.decode()
    assert told.count() == count


def test_another_schools_admin_gets_404(schools, families, slip):
    other = client_for(schools.admin_b)
    for name in ("report", "edit", "export"):
        assert other.get(reverse(f"messaging:{name}", args=[slip.pk])).status_code == 404
    for name in ("remind", "withdraw", "delete"):
        assert other.post(reverse(f"messaging:{name}", args=[slip.pk])).status_code == 404
    assert "春游通知" not in other.get(reverse("messaging:sent")).content.decode()
    slip.refresh_from_db()
    assert slip.state == Notice.State.SENT


def test_another_teacher_of_the_school_gets_404(schools, families, slip):
    colleague = client_for(schools.teacher_a)
    assert colleague.get(reverse("messaging:report", args=[slip.pk])).status_code == 404


def test_own_school_admin_and_bureau_see_it(schools, families, slip):
    for user in (schools.admin_a, schools.bureau_admin):
        client = client_for(user)
        assert client.get(reverse("messaging:report", args=[slip.pk])).status_code == 200
        listing = client.get(reverse("messaging:sent")).content.decode()
        assert "春游通知" in listing


def test_list_shows_states_and_counts_newest_first(schools, families, slip):
    client = client_for(families.class_teacher)
    compose(client, classes=["cn-g1c1"], title="家长会草稿")
    html = client.get(reverse("messaging:sent")).content.decode()
    assert html.index("家长会草稿") < html.index("春游通知")
    assert "<dt>Recipients</dt><dd>3</dd>" in html and "<dt>Replied</dt><dd>2</dd>" in html
    assert "New notice" in html
    drafts = client.get(reverse("messaging:sent"), {"state": "draft"}).content.decode()
    assert "家长会草稿" in drafts and "春游通知" not in drafts
