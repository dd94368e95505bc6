"""Guardians' phone numbers and e-mail addresses: who may see them, masked in lists, and
every view of a full value logged (issue 13, personal data; PIPL art. 28/31 and the CAC
rules on children's data ask for least-privilege access that is approved and logged).

It lives beside the school console (the base layer) because the console lists guardians
and may not import ``edu_portal.messaging``; ``messaging.privacy`` re-exports it for the
notice pages.

- ``mask_phone`` / ``mask_email``: what a list shows.
- ``can_see_contact(viewer, person)``: staff of the person's children's classes and
  school (for a guardian) or of the person's own unit (anyone else), and the person.
- ``reveal_contact(viewer, person, fields, where)``: the full values, after that check,
  with an ACCESS entry in the audit log naming the viewer (its actor), the person (its
  object) and the fields shown (its changes and additional data).
"""

from __future__ import annotations

from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from edu_portal.accounts import audit, permissions
from edu_portal.accounts.models import GuardianLink, OrgUnit, User

MASK = "****"
CONTACT_FIELDS = ("phone", "email")
# Staff who may see a guardian's contact details at a child's class: those who send the
# class notices and those who manage its people (school administrators, the bureau).
CONTACT_PERMS = ("notice.send", "users.manage")


def mask_phone(phone: str | None) -> str:
    """``"13800000001"`` → ``"138****0001"``.

    Mainland mobiles (11 digits) keep the operator prefix and the last four digits, as
    banks and carriers print them; a country code (+86), spaces and dashes are dropped
    first, so the digits shown are the same as for the bare number. Shorter numbers
    (landlines) keep at most their last four digits and never more than a third.
    """
    if not phone:
        return ""
    digits = "".join(ch for ch in str(phone) if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) >= 11:
        return digits[:3] + MASK + digits[-4:]
    if len(digits) >= 7:
        return MASK + digits[-min(4, len(digits) // 3) :]
    return MASK


def mask_email(email: str | None) -> str:
    """``"zhang.san@example.com"`` → ``"z***n@example.com"``.

    The domain stays (it names the provider, not the person); of the local part only the
    first and last characters, or only the first when it is short.
    """
    if not email:
        return ""
    local, sep, domain = str(email).strip().rpartition("@")
    if not sep or not local:
        return MASK
    last = local[-1] if len(local) > 2 else ""
    return f"{local[0]}***{last}@{domain}"


def looks_like_phone(text: str | None) -> bool:
    """A guardian's account name is their mobile number: such a name is masked too."""
    digits = (text or "").replace(" ", "").replace("-", "")
    return len(digits) >= 7 and digits.lstrip("+").isdigit()


def mask_account_name(username: str) -> str:
    return mask_phone(username) if looks_like_phone(username) else username


def contact_units(person: User) -> list[OrgUnit]:
    """The units whose staff may see ``person``'s contact details: a guardian's children's
    classes; for anyone else their own unit."""
    classes = [
        link.student.org_unit
        for link in GuardianLink.objects.filter(guardian=person).select_related("student__org_unit")
        if link.student.org_unit is not None
    ]
    if classes:
        return classes
    return [person.org_unit] if person.org_unit is not None else []


def can_see_contact(viewer, person: User) -> bool:
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.pk == person.pk or permissions.is_bureau_admin(viewer):
        return True
    return any(
        permissions.has_perm(viewer, perm, unit)
        for unit in contact_units(person)
        for perm in CONTACT_PERMS
    )


def masked_contact(person: User) -> dict[str, str]:
    return {"phone": mask_phone(person.phone), "email": mask_email(person.email)}


def log_contact_view(viewer, person: User, fields, where: str = "") -> LogEntry:
    """Record that ``viewer`` saw ``fields`` of ``person`` in full (an ACCESS entry)."""
    masked = masked_contact(person)
    changes = {name: [masked.get(name, MASK), "shown in full"] for name in fields}
    with audit.actor_context(viewer):
        return LogEntry.objects.log_create(
            person,
            action=LogEntry.Action.ACCESS,
            changes=changes,
            additional_data={"fields": list(fields), "where": where},
            force_log=True,
        )


def reveal_contact(viewer, person: User, fields=CONTACT_FIELDS, where: str = "") -> dict[str, str]:
    """The full values of ``fields`` of ``person`` for ``viewer``, logged; PermissionDenied
    for anyone outside the person's children's classes and school."""
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"not contact fields: {sorted(unknown)}")
    if not can_see_contact(viewer, person):
        raise PermissionDenied(
            _(
                "You may not see the contact details of %(person)s: they are outside your "
                "classes and school."
            )
            % {"person": person}
        )
    shown = [name for name in fields if getattr(person, name)]
    if shown:
        log_contact_view(viewer, person, shown, where)
    return {name: getattr(person, name) for name in fields}
