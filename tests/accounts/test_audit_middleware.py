"""The audit middleware names the actor of token-authenticated API requests.

auditlog's own middleware reads request.user when the request arrives, before Django REST
framework has looked at the token, so it would record such changes with no actor. Ours
looks the user up when the entry is written."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from rest_framework.authtoken.models import Token


@pytest.mark.urls("tests.accounts.audit_urls")
def test_plain_drf_view_with_token_gets_actor_and_ip(api, school_admin, teacher):
    token = Token.objects.create(user=school_admin)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.post(f"/plain/{teacher.pk}/", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert response.status_code == 200, response.content
    entry = LogEntry.objects.get_for_object(teacher).latest()
    assert entry.changes_dict == {"remote_access": ["False", "True"]}
    assert entry.actor == school_admin
    assert entry.actor_email in (None, "")
    # A header from an untrusted client is not believed.
    assert entry.remote_addr == "203.0.113.6"


@pytest.mark.urls("tests.accounts.audit_urls")
def test_plain_drf_view_behind_trusted_proxy(trusted_proxy, school_admin, teacher):
    from rest_framework.test import APIClient

    api = APIClient(REMOTE_ADDR="10.9.9.2", HTTP_X_FORWARDED_FOR="198.51.100.30")
    token = Token.objects.create(user=school_admin)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.post(f"/plain/{teacher.pk}/").status_code == 200
    entry = LogEntry.objects.get_for_object(teacher).latest()
    assert (entry.actor, entry.remote_addr) == (school_admin, "198.51.100.30")


def test_no_context_no_actor(teacher):
    """Outside requests and actor contexts, entries are written without an actor."""
    teacher.phone = "13900000000"
    teacher.save()
    entry = LogEntry.objects.get_for_object(teacher).latest()
    assert (entry.actor, entry.remote_addr) == (None, None)
