"""The masks used wherever a guardian's phone number or e-mail address is listed."""

from __future__ import annotations

import pytest

from edu_portal.messaging.privacy import mask_email, mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13800000001", "138****0001"),
        ("+86 138 0000 0001", "138****0001"),
        ("8613800000001", "138****0001"),
        ("138-0000-0001", "138****0001"),
        ("0571-88887777", "057****7777"),
        ("88887777", "****77"),
        ("12345", "****"),
        ("", ""),
        (None, ""),
        ("abc", "****"),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


def test_mask_phone_never_shows_the_middle_digits():
    masked = mask_phone("13912345678")
    assert "12345" not in masked and "2345" not in masked[:7]
    assert masked == "139****5678"


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("zhang.san@example.com", "z***n@example.com"),
        ("ab@qq.com", "a***@qq.com"),
        ("a@qq.com", "a***@qq.com"),
        ("", ""),
        (None, ""),
        ("not-an-address", "****"),
        ("@example.com", "****"),
    ],
)
def test_mask_email(email, masked):
    assert mask_email(email) == masked
