"""Issue 11: every user changes their own password, and resets it by e-mail when an address
is on file. The reset mail goes through a real SMTP server started by the test."""

from __future__ import annotations

import re
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse

from edu_portal.accounts.models import LoginRecord
from edu_portal.accounts.roles import Role
from tests.people import make_user

from .conftest import PASSWORD

NEW_PASSWORD = "Another-Horse-77"


class _Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


@pytest.fixture
def smtp(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def test_header_links_to_password_change_and_change_works(client, login_user):
    client.force_login(login_user)
    home = client.get(reverse("home")).content.decode()
    assert reverse("password_change") in home
    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    login_user.refresh_from_db()
    assert login_user.check_password(NEW_PASSWORD)


def test_password_change_needs_the_old_password(client, login_user):
    client.force_login(login_user)
    response = client.post(
        reverse("password_change"),
        {"old_password": "guess", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    login_user.refresh_from_db()
    assert login_user.check_password(PASSWORD)


def test_login_page_links_to_reset(client, db):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in page


def test_reset_by_email_through_smtp(client, tree, smtp, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    user = make_user(
        "wangfang", Role.TEACHER, tree.school_a, password=PASSWORD, email="wf@example.org"
    )
    # Locked out by failures from this address: the reset lifts the lock.
    for _ in range(3):
        client.post(reverse("login"), {"username": "wangfang", "password": "wrong"})
    response = client.post(reverse("password_reset"), {"email": "WF@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert recipients == ["wf@example.org"]
    body = message.get_content()
    assert "wangfang" in body
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert LoginRecord.objects.filter(username="wangfang", result="unlocked").exists()
    signed_in = client.post(reverse("login"), {"username": "wangfang", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    # The link works once.
    client.logout()
    again = client.get(link, follow=True).content.decode()
    assert "链接无效" in again or "not valid" in again


def test_no_email_on_file_says_to_ask_the_school_admin(client, login_user, smtp):
    page = client.get(reverse("password_reset")).content.decode()
    assert "school administrator" in page
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert response.status_code == 200
    assert "school administrator" in response.content.decode()
    assert smtp.messages == []  # and nothing tells whether the address exists
