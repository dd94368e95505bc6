"""Wagtail admin hooks of the portal's rights (parts C and K).

Who may change a column's rights fields and a school site's settings is decided in
``cms.rights_fields`` (the editor's form and every write of those pages). Wagtail's admin
answers any refusal raised inside its views with a generic "no permission" message; where a
route would always be refused for a person, the hook refuses it first, in words.
"""

from django.shortcuts import redirect
from wagtail import hooks
from wagtail.admin import messages

from edu_portal.cms import rights_fields


@hooks.register("before_copy_page")
def refuse_copying_a_columns_rights(request, page):
    # A copy keeps editor units, direct publishing and kind: copying a direct-publishing
    # column into a reviewed one would let its editors publish there without approval.
    page = page.specific
    carried = rights_fields.copy_would_carry(page)
    if not carried or rights_fields.may_change(request.user, page):
        return None
    messages.error(request, rights_fields.copy_refusal(page, carried))
    return redirect("wagtailadmin_explore", page.get_parent().pk)
