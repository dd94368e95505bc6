"""Guardians' phone numbers and e-mail addresses on the notice pages (issue 13, personal
data): masked in lists, the full value only through ``reveal_contact``, which checks that
the viewer is staff of the guardian's children's classes or school and writes an ACCESS
entry to the audit log naming the viewer, the guardian and the fields.

The implementation is ``edu_portal.schools.privacy`` (the school console, a lower layer,
lists guardians too); this module is the name the messaging app uses.
"""

from edu_portal.schools.privacy import (
    CONTACT_FIELDS,
    can_see_contact,
    log_contact_view,
    mask_account_name,
    mask_email,
    mask_phone,
    masked_contact,
    reveal_contact,
)

__all__ = [
    "CONTACT_FIELDS",
    "can_see_contact",
    "log_contact_view",
    "mask_account_name",
    "mask_email",
    "mask_phone",
    "masked_contact",
    "reveal_contact",
]
