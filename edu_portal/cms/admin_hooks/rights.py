"""Wagtail admin hooks of the portal's rights (parts C and K).

Who may change a column's rights fields and a school site's settings is decided in
``cms.rights_fields`` (the editor's form and every write of those pages). Wagtail's admin
answers any refusal raised inside its views with a generic "no permission" message; where a
route would always be refused for a person, the hook refuses it first, in words.
"""

from django.shortcuts import redirect
from django.utils.translation import gettext
from wagtail import hooks
from wagtail.admin import messages
from wagtail.models import Page

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


def _refuse_taking_down(request, page, message: str):
    # A column's editors hold Wagtail's publish (direct-publish columns) or change rights on
    # the column page itself, which would let them take the whole column off the site or
    # delete it; only those who may change the column's rights may do that.
    page = page.specific
    if not rights_fields.guarded_fields(page) or rights_fields.may_change(request.user, page):
        return None
    messages.error(request, message % {"page": page.title})
    return redirect("wagtailadmin_explore", page.pk)


@hooks.register("before_unpublish_page")
def refuse_unpublishing_a_column(request, page):
    return _refuse_taking_down(
        request,
        page,
        gettext("Only the bureau office may take the column “%(page)s” off the site."),
    )


@hooks.register("before_delete_page")
def refuse_deleting_a_column(request, page):
    return _refuse_taking_down(
        request, page, gettext("Only the bureau office may delete the column “%(page)s”.")
    )


@hooks.register("before_bulk_action")
def refuse_bulk_taking_down_columns(request, action_type, objects, action_class_instance):
    if action_type not in ("unpublish", "delete"):
        return None
    for page in objects:
        if not isinstance(page, Page):  # documents, images, users have bulk actions too
            continue
        specific = page.specific
        if rights_fields.guarded_fields(specific) and not rights_fields.may_change(
            request.user, specific
        ):
            messages.error(
                request,
                gettext("Only the bureau office may take the column “%(page)s” off the site.")
                % {"page": specific.title},
            )
            return redirect("wagtailadmin_explore", specific.get_parent().pk)
    return None
