"""Guardians' phone numbers and e-mail addresses (issue 13, personal data).

Lists show them masked (``mask_phone``, ``mask_email``); the full value is shown only on
an explicit request by staff who may see it, and every such view is written to the audit
log as an ACCESS entry naming the viewer, the person and the field (``reveal``). PIPL
art. 28/31 and the CAC rules on children's data ask for least-privilege, logged access.
"""

from __future__ import annotations

MASK = "****"


def mask_phone(phone: str | None) -> str:
    """``"13800000001"`` → ``"138****0001"``.

    Mainland mobiles (11 digits) keep the operator prefix and the last four digits, as
    banks and carriers print them. Anything else keeps at most its first three and last
    four characters and never more than a third of the number; a country code (+86) or
    spaces are dropped first so the digits shown are the same as for the bare number.
    """
    if not phone:
        return ""
    digits = "".join(ch for ch in str(phone) if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not digits:
        return MASK
    if len(digits) >= 11:
        return digits[:3] + MASK + digits[-4:]
    if len(digits) >= 7:
        # Landlines and short numbers: the last four at most, a third of it at most.
        keep = min(4, len(digits) // 3)
        return MASK + digits[-keep:]
    return MASK


def mask_email(email: str | None) -> str:
    """``"zhang.san@example.com"`` → ``"z***n@example.com"``.

    The domain stays (it says which provider, not who); of the local part only the
    first and last characters, or only the first when it is short.
    """
    if not email:
        return ""
    email = str(email).strip()
    local, sep, domain = email.rpartition("@")
    if not sep or not local:
        return MASK
    last = local[-1] if len(local) > 2 else ""
    return f"{local[0]}***{last}@{domain}"
