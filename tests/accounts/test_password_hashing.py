"""Passwords are stored as Argon2 hashes; older PBKDF2 hashes are upgraded on sign-in."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.urls import reverse

from edu_portal.accounts.models import User

from .conftest import PASSWORD


def test_new_passwords_are_argon2(login_user):
    assert login_user.password.startswith("argon2")
    assert login_user.check_password(PASSWORD)
    assert not login_user.check_password("wrong")


def test_set_password_uses_argon2(db):
    user = User.objects.create_user("wang", password="An0ther-Secret")
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")


def test_pbkdf2_hash_is_upgraded_on_login(db, client):
    user = User.objects.create(
        username="legacy", password=make_password(PASSWORD, hasher="pbkdf2_sha256")
    )
    assert user.password.startswith("pbkdf2_sha256$")
    response = client.post(reverse("login"), {"username": "legacy", "password": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2")
