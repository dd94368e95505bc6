"""Fee notices (Art. 42, 国办函〔2020〕109号): the amounts, the clock stopped from the notice
to the payment, and the daily task treating unpaid fees and unanswered corrections as
abandoned (audited, once)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from auditlog.models import LogEntry

from edu_portal.disclosure import actions, fees
from edu_portal.disclosure.models import Application, FeeNotice, Step
from edu_portal.disclosure.tasks import daily
from edu_portal.notifications.models import Notification
from tests.disclosure.handling.conftest import D

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "quantity", "earlier", "amount"),
    [
        ("per_item", 1, 9, 0),  # the 10th item of the month is free
        ("per_item", 1, 10, 100),  # the 11th costs 100
        ("per_item", 3, 29, 500),  # 30th: 100, 31st and 32nd: 200 each
        ("per_item", 1, 40, 300),  # the 41st: third band
        ("per_page", 30, 0, 0),
        ("per_page", 31, 0, 10),
        ("per_page", 100, 0, 700),
        ("per_page", 150, 0, 1700),  # 70 × 10 + 50 × 20
        ("per_page", 250, 0, 4700),  # 700 + 2000 + 50 × 40
    ],
)
def test_fee_amounts_of_109(method, quantity, earlier, amount):
    assert fees.fee_amount(method, quantity, earlier) == Decimal(amount)


def _fee(client, application, **data):
    body = {"method": "per_page", "quantity": 150, "earlier": 0, "on": "2026-11-05", "note": ""}
    return client.post(f"/disclosure/staff/{application.pk}/handle/fee/", {**body, **data})


def test_a_fee_notice_stops_the_clock_until_payment(client, office, application, today):
    assert application.due_on == D(2026, 11, 30)
    client.force_login(office)
    response = _fee(client, application)
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == "paused" and application.due_on is None
    notice = FeeNotice.objects.get()
    assert notice.amount == Decimal(1700)
    assert notice.pay_by == D(2026, 12, 3)  # 20 working days after 2026-11-05
    # Paid on 2026-11-10: the 3 working days 11-06, 11-09, 11-10 are not counted.
    paid = client.post(f"/disclosure/staff/{application.pk}/handle/fee-paid/", {"on": "2026-11-10"})
    assert paid.status_code == 302
    application.refresh_from_db()
    assert application.state == "open"
    assert application.due_on == D(2026, 12, 3)
    steps = " ".join(application.due_steps)
    assert "2026-11-05" in steps and "2026-11-10" in steps and "3 working days" in steps
    notice.refresh_from_db()
    assert (notice.state, notice.paid_on) == ("paid", D(2026, 11, 10))


def test_no_fee_below_the_thresholds_and_none_twice(client, office, application, today):
    client.force_login(office)
    free = _fee(client, application, quantity=30)
    assert free.status_code == 400 and "No fee is due" in free.content.decode()
    assert _fee(client, application, method="per_item", quantity=1, earlier=5).status_code == 400
    assert _fee(client, application).status_code == 302
    again = _fee(client, application, on="2026-11-06")
    assert again.status_code == 400
    assert FeeNotice.objects.count() == 1
    assert Application.objects.get(pk=application.pk).events.filter(type="fee_notice").count() == 1


def test_department_staff_cannot_charge(client, editor, department, office, application):
    from edu_portal.disclosure import handling

    handling.assign(office, application, department, editor)
    client.force_login(editor)
    assert _fee(client, application).status_code == 403
    assert not FeeNotice.objects.exists()


def test_unpaid_fee_abandoned_by_the_daily_task_once(
    client, office, application, today, django_capture_on_commit_callbacks
):
    client.force_login(office)
    _fee(client, application)
    today.set(D(2026, 12, 3))  # the last day to pay: nothing happens
    assert daily()["no_fee"] == 0
    today.set(D(2026, 12, 7))
    with django_capture_on_commit_callbacks(execute=True):
        result = daily()
    assert result["no_fee"] == 1
    application.refresh_from_db()
    assert (application.state, application.outcome) == ("abandoned", "other_no_fee")
    assert application.replied_on == D(2026, 12, 4)  # the day after the period ended
    assert FeeNotice.objects.get().state == "lapsed"
    event = application.events.get(type="abandoned")
    assert event.actor is None and "2026-12-03" in event.note
    assert LogEntry.objects.get_for_object(application).filter(
        changes__icontains="abandoned", actor=None
    )
    told = Notification.objects.filter(recipient=office, subject__contains="abandoned").count()
    assert told == 1
    # Run again (beat twice, a retried task): nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert daily()["no_fee"] == 0
    assert application.events.filter(type="abandoned").count() == 1
    assert Step.objects.filter(application=application, type="abandoned").count() == 1
    assert Notification.objects.filter(recipient=office, subject__contains="abandoned").count() == 1
    # Paying late is refused.
    late = client.post(f"/disclosure/staff/{application.pk}/handle/fee-paid/", {"on": "2026-12-07"})
    assert late.status_code == 400


def test_unanswered_correction_abandoned_answered_one_kept(office, today):
    from tests.disclosure.handling.conftest import register

    silent, answered = register(office), register(office)
    for application in (silent, answered):
        actions.add_event(office, application, "correction_requested", D(2026, 11, 4))
    # 15 working days after 2026-11-04: 2026-11-25.
    assert fees.correction_answer_by(D(2026, 11, 4)) == D(2026, 11, 25)
    today.set(D(2026, 11, 20))
    actions.add_event(office, answered, "correction_received", D(2026, 11, 20))
    today.set(D(2026, 11, 25))
    assert daily()["no_correction"] == 0
    today.set(D(2026, 11, 26))
    assert daily()["no_correction"] == 1
    silent.refresh_from_db()
    answered.refresh_from_db()
    assert (silent.state, silent.outcome) == ("abandoned", "other_no_correction")
    assert silent.replied_on == D(2026, 11, 26)
    assert answered.state == "open" and answered.due_on == D(2026, 12, 18)
    assert daily()["no_correction"] == 0
