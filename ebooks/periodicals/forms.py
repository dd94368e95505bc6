"""Plain server-rendered forms; the checks that matter (file content, rights, cleaning)
are in ``actions``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ebooks.periodicals.actions import MAX_ATTACHMENT


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    abstract = forms.CharField(
        label=_("Abstract"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_(
            "Paragraphs, headings, lists, tables and links are kept; other markup is removed."
        ),
    )
    attachment = forms.FileField(
        label=_("Attachment (optional)"),
        required=False,
        help_text=_("Word (DOCX), PDF or plain text, up to %(mb)d MB.")
        % {"mb": MAX_ATTACHMENT // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.pdf,.txt"}),
    )


class IssueForm(forms.Form):
    volume = forms.IntegerField(label=_("Volume (year)"), min_value=1, max_value=9999)
    number = forms.IntegerField(label=_("Number"), min_value=1, max_value=999)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(
        label=_("Title"), max_length=120, required=False, help_text=_("For example “2026年第12期”.")
    )


class IssueFileForm(forms.Form):
    file = forms.FileField(
        label=_("Full issue (PDF or EPUB)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.epub"}),
    )


class CoverForm(forms.Form):
    cover = forms.FileField(
        label=_("Cover image (JPEG or PNG)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png"}),
    )
