"""Who may see, change, review and download catalog resources.

The network policy (``edu_portal.access``: visibility, intranet, remote access) applies to
everything; on top of it, only published resources are for everyone. Drafts and resources
in review are seen by their uploader, by reviewers whose scope covers them, and by bureau
administrators.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from catalog.models import Resource
from edu_portal.access import AccessDenied, Visibility, decide
from edu_portal.accounts.permissions import has_perm, is_bureau_admin


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def review_unit(resource: Resource):
    """The org unit whose reviewers decide on ``resource``: the collection's review unit
    when it has one (a provincial collection is reviewed by the bureau), else the unit
    the resource belongs to."""
    collection = resource.collection
    if collection is not None and collection.review_unit_id:
        return collection.review_unit
    return resource.org_unit


def is_owner(user, resource: Resource) -> bool:
    return _signed_in(user) and resource.uploader_id == user.pk


def can_review(user, resource: Resource) -> bool:
    """Reviewers with ``content.review`` at the review unit (or above it); never their own
    work, except bureau administrators (a one-person bureau must still be able to publish)."""
    if not _signed_in(user):
        return False
    if is_bureau_admin(user):
        return True
    if is_owner(user, resource):
        return False
    unit = review_unit(resource)
    return has_perm(user, "content.review", unit) if unit is not None else False


def can_publish(user, resource: Resource) -> bool:
    if not can_review(user, resource):
        return False
    unit = review_unit(resource)
    return is_bureau_admin(user) or has_perm(user, "content.publish", unit)


def can_manage(user, resource: Resource) -> bool:
    """Edit metadata, submit, withdraw, delete."""
    return _signed_in(user) and (is_owner(user, resource) or is_bureau_admin(user))


def can_see_unpublished(user, resource: Resource) -> bool:
    return can_manage(user, resource) or can_review(user, resource)


def visible_levels(request) -> list[str]:
    """The visibility levels the client of ``request`` may see (for search filters)."""
    return [level for level in Visibility.values if decide(request, level).allowed]


def not_found() -> Http404:
    """Exactly what a missing resource answers (``get_object_or_404``'s message), so an
    unpublished one cannot be told apart from one that does not exist."""
    return Http404(f"No {Resource._meta.object_name} matches the given query.")


def can_view(request, resource: Resource) -> bool:
    """Whether ``require_view`` lets the client open the resource (without saying why not)."""
    user = getattr(request, "user", None)
    if not resource.is_published and not can_see_unpublished(user, resource):
        return False
    return decide(request, resource.visibility).allowed


def require_view(request, resource: Resource) -> None:
    """Raise AccessDenied (a page or JSON saying why) unless the client may open it; a
    draft that is not theirs to see is "not found", like an id that does not exist."""
    user = getattr(request, "user", None)
    if not resource.is_published and not can_see_unpublished(user, resource):
        raise not_found()
    decide(request, resource.visibility).raise_if_denied()


def can_download(user, resource: Resource) -> bool:
    """Teachers and other roles with ``resource.download``; the uploader always."""
    return _signed_in(user) and (is_owner(user, resource) or has_perm(user, "resource.download"))


def require_download(request, resource: Resource) -> None:
    require_view(request, resource)
    user = getattr(request, "user", None)
    if can_download(user, resource):
        return
    if not _signed_in(user):
        raise AccessDenied(
            "login_required",
            _("Only signed-in teachers can download this resource."),
            _("Sign in with your staff account to download it."),
        )
    raise AccessDenied(
        "download_not_allowed",
        _("Your account may view this resource but not download it."),
        _("Downloads are for teachers and staff. Ask your school administrator if you need it."),
    )
