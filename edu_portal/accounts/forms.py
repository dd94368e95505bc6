"""Sign-in forms for the site and the admin: throttled, recorded, and explained alike."""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from edu_portal.access import client_ip
from edu_portal.accounts import challenge, login_guard
from edu_portal.accounts.models import LoginRecord, User


class GuardedLoginMixin:
    """Replaces AuthenticationForm.clean: lock check first, then one clear sentence.

    login_guard.attempt checks the lock before the password is hashed, authenticates
    through the guarded backend (which records failures) and words the refusal.
    """

    request = None
    user_cache = None
    cleaned_data: dict
    data: dict
    # Set when the next attempt must carry a solved proof-of-work check (the template then
    # shows the widget); the widget posts its answer as the "altcha" field.
    challenge_needed = False

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            outcome = login_guard.attempt(
                self.request,
                username,
                password,
                interactive=True,
                proof=self.data.get(challenge.FIELD),
            )
            if not outcome.ok:
                ip = client_ip(self.request) if self.request is not None else None
                self.challenge_needed = outcome.code == "challenge_required" or bool(
                    login_guard.challenge_reason(username, ip)
                )
                raise ValidationError(outcome.message, code=outcome.code)
            self.user_cache = outcome.user
            try:
                self.confirm_login_allowed(self.user_cache)
            except ValidationError:
                # The password was right but this door is closed to the account.
                login_guard.record(
                    self.request, username, LoginRecord.Result.REFUSED, self.user_cache
                )
                raise
        return self.cleaned_data


class LoginForm(GuardedLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(GuardedLoginMixin, AdminAuthenticationForm):
    def confirm_login_allowed(self, user) -> None:
        if not user.is_active:
            raise ValidationError(login_guard.inactive_message(), code="inactive")
        if not user.is_staff:
            raise ValidationError(
                _(
                    "This account cannot use the administration site. Sign in on the portal "
                    "instead, or ask the bureau administrator for access."
                ),
                code="not_staff",
            )


# --- admin user forms (Django's are bound to auth.User, not our model) ------------------------


class AdminUserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "display_name", "org_unit")


class AdminUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form, refusing the old password as the new one: a pupil told to replace the
    password printed on the class sheet must not "choose" the same again."""

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("new_password1")
        if password and not self.has_error("new_password2") and self.user.check_password(password):
            self.add_error(
                "new_password2",
                ValidationError(
                    _("Choose a password different from your current one."),
                    code="password_unchanged",
                ),
            )
        return cleaned
