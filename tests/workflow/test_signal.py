"""``transitioned`` is sent once the decision has committed, and never for a rollback."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from catalog.models import Resource
from edu_portal.workflow import transitions
from edu_portal.workflow.models import State
from edu_portal.workflow.signals import transitioned

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    calls: list[dict] = []

    def receiver(sender, **kwargs):
        calls.append({"sender": sender, **kwargs})

    transitioned.connect(receiver, dispatch_uid="test-workflow-receiver")
    yield calls
    transitioned.disconnect(dispatch_uid="test-workflow-receiver")


def test_sent_after_commit_only(teacher, draft, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        transitions.submit(teacher, draft, "请审核")
        assert received == []  # not yet: the transaction has not committed

    assert len(received) == 1
    call = received[0]
    assert call["sender"] is Resource
    assert call["instance"].pk == draft.pk
    assert (call["action"], call["from_state"], call["to_state"]) == (
        "submit",
        State.DRAFT,
        State.IN_REVIEW,
    )
    assert call["actor"] == teacher
    assert call["comment"] == "请审核"


def test_not_sent_when_the_transaction_rolls_back(
    teacher, draft, received, django_capture_on_commit_callbacks
):
    class Boom(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        transitions.submit(teacher, draft)
        raise Boom

    assert callbacks == []
    assert received == []
    assert Resource.objects.get(pk=draft.pk).state == State.DRAFT


def test_not_sent_for_a_refusal(other_teacher, draft, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        transitions.submit(other_teacher, draft)
    assert received == []


def test_a_failing_receiver_does_not_break_the_decision(
    teacher, draft, django_capture_on_commit_callbacks, caplog
):
    def broken(sender, **kwargs):
        raise RuntimeError("mail server down")

    transitioned.connect(broken, dispatch_uid="test-broken-receiver")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            transitions.submit(teacher, draft)
    finally:
        transitioned.disconnect(dispatch_uid="test-broken-receiver")
    assert Resource.objects.get(pk=draft.pk).state == State.IN_REVIEW
    assert "workflow receiver" in caplog.text
