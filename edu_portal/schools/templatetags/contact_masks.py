"""``{% load contact_masks %}``: the masks of ``schools.privacy`` for templates that list
people (the school console; the notice pages of ``messaging`` load it too)."""

from django import template

from edu_portal.schools import privacy

register = template.Library()

register.filter("mask_phone", privacy.mask_phone)
register.filter("mask_email", privacy.mask_email)


@register.filter
def masked_name(user) -> str:
    """A person's name for a list: the display name, else the account name masked when it
    is a mobile number (a guardian's)."""
    if user is None:
        return ""
    return user.display_name or privacy.mask_account_name(user.username)
