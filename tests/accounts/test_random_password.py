"""Initial passwords the validators accept for the account they are made for: a random
string can, rarely, share enough letters with a long account name ("bureau_admin") to
count as too similar, which once failed the demo's seeding."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from edu_portal.accounts import actions
from edu_portal.accounts.models import User


def test_a_password_the_validators_refuse_is_drawn_again(monkeypatch):
    user = User(username="bureau_admin", display_name="张伟")
    seen = []

    def validate(password, for_user):
        seen.append(password)
        if len(seen) == 1:
            raise ValidationError("too similar")

    monkeypatch.setattr(actions, "validate_password", validate)
    password = actions.random_password(user=user)
    assert len(seen) == 2 and password == seen[1] != seen[0]


def test_without_a_user_nothing_is_validated(monkeypatch):
    def validate(password, for_user):
        raise AssertionError("validated without a user")

    monkeypatch.setattr(actions, "validate_password", validate)
    password = actions.random_password(10)
    assert len(password) == 10
    assert any(c.isupper() for c in password) and any(c.isdigit() for c in password)
