"""Issue 11, lockout as a weapon: somebody else's failures never keep a user out.

Each test is the attack as it was made (HTTP to the login page or the token API), and
checks that the request that used to lock the real user out no longer does.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from edu_portal.accounts import challenge
from edu_portal.accounts.models import LoginRecord

from .conftest import PASSWORD

Result = LoginRecord.Result
TOKEN_URL = reverse("api-auth-token")


def _post(client, password="wrong-password", username="liming", **extra):  # noqa: S107
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


def _attacker(address="198.51.100.66"):
    return Client(REMOTE_ADDR=address, HTTP_USER_AGENT="attacker/1.0")


def _age_records(minutes):
    for record in LoginRecord.objects.all():
        LoginRecord.objects.filter(pk=record.pk).update(
            created_at=record.created_at - timedelta(minutes=minutes)
        )


def test_failures_from_another_address_do_not_lock_the_user(client, login_user):
    attacker = _attacker()
    for _ in range(6):
        _post(attacker)
    # The attacker's own address is locked for this account...
    assert (
        "This account is locked after 3 failed sign-ins"
        in _post(attacker, PASSWORD).content.decode()
    )
    # ...but the real user, from their address, signs in (this was a lock for everyone).
    response = _post(client, PASSWORD)
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_token_api_attacker_elsewhere_does_not_lock_the_script(api, login_user):
    attacker = APIClient(REMOTE_ADDR="198.51.100.77")
    for _ in range(3):
        attacker.post(TOKEN_URL, {"username": "liming", "password": "bad"}, format="json")
    locked = attacker.post(TOKEN_URL, {"username": "liming", "password": PASSWORD}, format="json")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    # The user's own script, from its own address, still gets its token.
    response = api.post(TOKEN_URL, {"username": "liming", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["token"]


def test_attempts_during_the_lock_do_not_extend_it(login_user):
    attacker = _attacker()
    for _ in range(3):
        _post(attacker)
    _age_records(10)
    # Five more attempts while locked, with wrong and right passwords alike.
    for password in ("wrong", PASSWORD, "wrong", PASSWORD, "wrong"):
        assert "is locked" in _post(attacker, password).content.decode()
    assert LoginRecord.objects.filter(result=Result.LOCKED).count() == 5
    _age_records(6)  # 16 minutes after the failure that locked; 6 after the last attempt
    assert _post(attacker, PASSWORD).status_code == 302


def test_one_pupil_behind_the_school_nat_cannot_lock_the_school(login_user, settings):
    settings.INTRANET_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
    settings.LOGIN_FAILURE_IP_LIMIT = 4  # would have locked the whole NAT address before
    pupil = _attacker("10.20.0.1")
    for index in range(8):
        _post(pupil, username=f"classmate{index}")
    teacher = Client(REMOTE_ADDR="10.20.0.1")
    page = teacher.get(reverse("login")).content.decode()
    assert "<altcha-widget" not in page
    response = _post(teacher, PASSWORD)
    assert response.status_code == 302
    assert "_auth_user_id" in teacher.session


def test_busy_intranet_address_asks_only_accounts_that_failed_there(login_user, settings):
    settings.INTRANET_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
    settings.LOGIN_FAILURE_INTRANET_IP_LIMIT = 4
    pupil = _attacker("10.20.0.1")
    for index in range(4):
        _post(pupil, username=f"classmate{index}")
    # A classmate's account that failed there is asked for the check; liming's is not.
    refused = _post(pupil, PASSWORD, username="classmate0")
    assert "I&#x27;m not a robot" in refused.content.decode()
    assert _post(Client(REMOTE_ADDR="10.20.0.1"), PASSWORD).status_code == 302


def test_challenge_comes_before_the_lock_and_is_single_use(client, login_user, settings):
    settings.LOGIN_CHALLENGE_AFTER = 1
    attacker = _attacker()
    _post(attacker)
    response = _post(attacker, PASSWORD)
    content = response.content.decode()
    # The password is not even checked without the proof of work.
    assert response.status_code == 200
    assert "I&#x27;m not a robot" in content
    assert "<altcha-widget" in content
    assert LoginRecord.objects.filter(result=Result.CHALLENGE).count() == 1
    data = attacker.get(reverse("login-challenge"))
    assert data["Cache-Control"].startswith("max-age=0")
    proof = challenge.solve(data.json())
    assert _post(attacker, "wrong", altcha=proof).status_code == 200  # counted as a failure
    assert LoginRecord.objects.filter(result=Result.BAD_CREDENTIALS).count() == 2
    # A solved challenge cannot be replayed.
    replay = _post(attacker, PASSWORD, altcha=proof)
    assert "I&#x27;m not a robot" in replay.content.decode()
    fresh = challenge.solve(attacker.get(reverse("login-challenge")).json())
    assert _post(attacker, PASSWORD, altcha=fresh).status_code == 302
    # A forged answer is refused.
    assert not challenge.verify("eyJjaGFsbGVuZ2UiOnt9fQ==")


def test_token_api_is_slowed_down_with_retry_after(api, login_user, settings):
    settings.LOGIN_CHALLENGE_AFTER = 1
    settings.LOGIN_SLOWDOWN_SECONDS = 30
    attacker = APIClient(REMOTE_ADDR="198.51.100.78")
    first = attacker.post(TOKEN_URL, {"username": "liming", "password": "bad"}, format="json")
    assert first.status_code == 400
    second = attacker.post(TOKEN_URL, {"username": "liming", "password": "bad"}, format="json")
    assert second.status_code == 429
    assert second.json()["code"] == "account_locked"
    assert 0 < int(second["Retry-After"]) <= 30
    assert "30 more seconds" in second.json()["detail"]
    # Only the attacker's pair is slowed down.
    ok = api.post(TOKEN_URL, {"username": "liming", "password": PASSWORD}, format="json")
    assert ok.status_code == 200


def test_usual_address_is_exempt_from_failures_elsewhere(client, login_user, settings):
    settings.LOGIN_ACCOUNT_CHALLENGE_LIMIT = 3
    assert _post(client, PASSWORD).status_code == 302  # the user's usual address
    client.logout()
    LoginRecord.objects.update(created_at=timezone.now() - timedelta(days=1))
    for index in range(3):
        _post(_attacker(f"198.51.100.{10 + index}"))
    # From a new address the account now asks for the check...
    stranger = _post(_attacker("198.51.100.99"), PASSWORD)
    assert "I&#x27;m not a robot" in stranger.content.decode()
    # ...from where the user usually signs in, it does not.
    assert _post(client, PASSWORD).status_code == 302
