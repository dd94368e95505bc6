"""The shared workflow's ``decline`` step: opt-in per model, comment required, final."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from catalog.models import Resource
from edu_portal.accounts.roles import Role
from edu_portal.workflow import transitions
from edu_portal.workflow.models import ReviewEvent, State
from tests.people import make_user

pytestmark = pytest.mark.django_db


def test_catalog_resources_cannot_be_declined(teacher, bureau):
    reviewer = make_user("reviewer_zhou", Role.OFFICE_REVIEWER, bureau)
    resource = Resource.objects.create(
        title="课件", kind="courseware", uploader=teacher, org_unit=teacher.org_unit,
        state=State.IN_REVIEW,
    )  # fmt: skip
    assert "decline" not in transitions.available_actions(reviewer, resource)
    with pytest.raises(PermissionDenied):
        transitions.decline(reviewer, resource, "不合适")


def test_decline_is_recorded(submitted, editor):
    transitions.perform(
        "decline", editor, submitted, "与本刊方向不符。", expected_state="in_review"
    )
    event = ReviewEvent.objects.filter(action="decline").get()
    assert (event.from_state, event.to_state, event.comment) == (
        State.IN_REVIEW,
        State.DECLINED,
        "与本刊方向不符。",
    )
    assert transitions.available_actions(editor, submitted) == []


def test_queue_shows_decline_button_and_comment_hint(submitted, editor, client):
    client.force_login(editor)
    html = client.get("/review/").content.decode()
    assert ">Decline<" in html
    assert "required to request changes or decline" in html


def test_migrations_are_complete():
    call_command(
        "makemigrations", "periodicals", "workflow", "catalog", "--check", "--dry-run", verbosity=0
    )
