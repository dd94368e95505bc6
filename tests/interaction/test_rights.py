"""Who sees and does what: the office handles every letter; a department sees only the
letters sent to it; lists mask the writer's details; the full view is audited."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry

from edu_portal.interaction import actions
from edu_portal.interaction.models import Letter, State
from tests.interaction.conftest import WRITER, letter_data

pytestmark = pytest.mark.django_db


def _dispatched(office, department) -> Letter:
    letter = actions.submit(**letter_data(), client_ip="10.0.0.5")
    return actions.accept(office, letter, department)


def test_a_department_cannot_see_another_departments_letters(
    client, office, editor, other_editor, department
):
    letter = _dispatched(office, department)
    client.force_login(other_editor)
    assert client.get(f"/letters/{letter.pk}/").status_code == 404
    assert letter.subject not in client.get("/letters/department/").content.decode()
    assert client.post(f"/letters/{letter.pk}/draft/", {"answer": "x"}).status_code == 404
    assert Letter.objects.get(pk=letter.pk).state == State.DISPATCHED
    assert client.get("/letters/office/").status_code == 403

    client.force_login(editor)
    assert letter.subject in client.get("/letters/department/").content.decode()
    assert client.get(f"/letters/{letter.pk}/").status_code == 200


def test_a_department_cannot_take_the_offices_steps(client, office, editor, department):
    letter = _dispatched(office, department)
    actions.draft(editor, letter, "答复")
    client.force_login(editor)
    for step, data in (
        ("approve", {"answer": "x", "method": "phone"}),
        ("return", {"reason": "x"}),
        ("extend", {"days": 3, "reason": "x"}),
        ("reject", {"reason": "x"}),
    ):
        assert client.post(f"/letters/{letter.pk}/{step}/", data).status_code == 403
    assert Letter.objects.get(pk=letter.pk).state == State.DRAFTED


def test_anonymous_visitors_are_sent_to_sign_in(client, office, department):
    letter = _dispatched(office, department)
    for url in ("/letters/office/", "/letters/department/", f"/letters/{letter.pk}/"):
        assert client.get(url).status_code == 302


def test_lists_mask_the_writer_and_the_letter_page_is_audited(client, office, department):
    letter = _dispatched(office, department)
    client.force_login(office)
    listing = client.get("/letters/office/", {"state": "open"}).content.decode()
    assert letter.subject in listing and "139****5678" in listing and "李**" in listing
    for value in WRITER.values():
        assert value not in listing
    page = client.get(f"/letters/{letter.pk}/").content.decode()
    assert WRITER["phone"] in page and WRITER["email"] in page
    access = LogEntry.objects.get_for_object(letter).filter(action=LogEntry.Action.ACCESS)
    assert access.count() == 1 and access.get().actor == office


def test_office_filters(client, office, department):
    open_letter = actions.submit(**letter_data(subject="开放的信"), client_ip=None)
    rejected = actions.submit(**letter_data(subject="退回的信", kind="complaint"), client_ip=None)
    actions.reject(office, rejected, "不属于本局职责")
    client.force_login(office)
    page = client.get("/letters/office/", {"state": "rejected"}).content.decode()
    assert "退回的信" in page and "开放的信" not in page
    page = client.get("/letters/office/", {"kind": "consultation"}).content.decode()
    assert "开放的信" in page and "退回的信" not in page
    assert open_letter.pk
