from django import forms
from django.utils.translation import gettext_lazy as _

from edu_portal.notifications.models import Preference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = Preference
        fields = ["email"]

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_email(self) -> bool:
        wanted = self.cleaned_data["email"]
        if wanted and not self.user.email:
            raise forms.ValidationError(
                _(
                    "Your account has no e-mail address. Ask your school administrator to "
                    "add one, then choose e-mail again."
                ),
                code="no_address",
            )
        return wanted
