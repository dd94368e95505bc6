"""notify / notify_many / mark_read / mark_all_read: the rows they make and refuse."""

from __future__ import annotations

import pytest

from edu_portal.notifications import actions
from edu_portal.notifications.models import Category, Notification, Preference

pytestmark = pytest.mark.django_db


def test_notify_stores_one_row_with_its_target(reader, school):
    note = actions.notify(
        reader,
        "Approved",
        "Your resource is published.",
        "/catalog/r/5/",
        category=Category.RESOURCE,
        target=school,
    )
    note.refresh_from_db()
    assert (note.recipient, note.category, note.link) == (reader, "resource", "/catalog/r/5/")
    assert note.target == school
    assert note.read_at is None and note.emailed_at is None


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "relative/path",
        "/x\n/y",
        "http:/evil",
    ],
)
def test_notify_refuses_links_that_leave_the_site(reader, link):
    with pytest.raises(ValueError):
        actions.notify(reader, "x", link=link, category=Category.SYSTEM)
    assert not Notification.objects.exists()


def test_notify_refuses_an_unknown_category(reader):
    with pytest.raises(ValueError):
        actions.notify(reader, "x", category="gossip")


def test_long_subject_is_cut_to_the_column(reader):
    note = actions.notify(reader, "长" * 500, category=Category.SYSTEM)
    assert len(Notification.objects.get(pk=note.pk).subject) == 200


def test_notify_many_makes_one_row_per_person(reader, other_reader):
    notes = actions.notify_many(
        [reader, other_reader, reader], "Maintenance tonight", link="/", category=Category.SYSTEM
    )
    assert len(notes) == 2 and all(note.pk for note in notes)
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted(
        [reader.pk, other_reader.pk]
    )
    assert actions.notify_many([], "nobody", category=Category.SYSTEM) == []


def test_mark_read_and_mark_all_read_touch_only_the_owners_rows(reader, other_reader):
    first = actions.notify(reader, "one", category=Category.SYSTEM)
    actions.notify(reader, "two", category=Category.SYSTEM)
    theirs = actions.notify(other_reader, "theirs", category=Category.SYSTEM)

    assert actions.mark_read(reader, first.pk).read_at is not None
    assert actions.unread_count(reader) == 1
    with pytest.raises(Notification.DoesNotExist):
        actions.mark_read(reader, theirs.pk)

    assert actions.mark_all_read(reader) == 1
    assert actions.unread_count(reader) == 0
    assert actions.unread_count(other_reader) == 1
    assert actions.mark_all_read(reader) == 0


def test_email_preference_change_is_audited(reader):
    from auditlog.models import LogEntry

    assert not actions.wants_email(reader)
    actions.set_email_preference(reader, True)
    assert actions.wants_email(reader)
    actions.set_email_preference(reader, True)  # unchanged: no second entry
    entries = LogEntry.objects.get_for_model(Preference)
    assert entries.count() == 1
    assert entries.get().actor == reader
    assert entries.get().changes_dict["email"] == ["False", "True"]
