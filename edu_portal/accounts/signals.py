"""Record every login attempt, whichever path (site, admin, API) authenticated it."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from edu_portal.accounts import login_guard
from edu_portal.accounts.backends import take_recorded
from edu_portal.accounts.models import LoginRecord


@receiver(user_logged_in, dispatch_uid="accounts.record_login")
def _record_success(sender, request, user, **kwargs) -> None:
    login_guard.record(request, user.get_username(), LoginRecord.Result.SUCCESS, user)


@receiver(user_login_failed, dispatch_uid="accounts.record_failure")
def _record_failure(sender, credentials, request=None, **kwargs) -> None:
    username = credentials.get("username") or ""
    if take_recorded(username):
        return  # the backend already wrote a record saying why (locked, disabled)
    login_guard.record(request, username, LoginRecord.Result.BAD_CREDENTIALS)
