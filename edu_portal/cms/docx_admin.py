"""The Wagtail admin view "new article from a Word document" (``cms_docx_import``).

Thin: the form checks the input, ``docx.convert`` makes the body, ``articles.create_article``
checks the user's page permissions on the column and creates the draft with the DOCX and
the other files attached; then the editor lands on Wagtail's edit page of the draft.
"""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Page

from edu_portal.cms import articles, docx
from edu_portal.cms.models import ColumnPage

MAX_ATTACHMENTS = 20


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(
                _("Attach at most %(count)d files at a time.") % {"count": MAX_ATTACHMENTS}
            )
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class DocxImportForm(forms.Form):
    docx = forms.FileField(
        label=gettext_lazy("Word document (.docx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".docx,application/vnd.openxmlformats-officedocument."
                "wordprocessingml.document"
            }
        ),
    )
    attachments = MultipleFileField(label=gettext_lazy("More attachments"), required=False)
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=255,
        required=False,
        help_text=gettext_lazy("Leave empty to use the document's first heading or its name."),
    )

    def clean_docx(self):
        upload = self.cleaned_data["docx"]
        if not upload.name.lower().endswith(".docx"):
            raise ValidationError(_("Choose a Word document saved as .docx."))
        if upload.size > docx.max_bytes():
            raise ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": docx.max_bytes() // 2**20}
            )
        return upload

    def clean_attachments(self):
        files = self.cleaned_data["attachments"]
        from django.conf import settings

        allowed = {ext.lower() for ext in settings.WAGTAILDOCS_EXTENSIONS}
        for upload in files:
            ext = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
            if ext not in allowed:
                raise ValidationError(
                    _("“%(name)s” is not a kind of file the portal publishes.")
                    % {"name": upload.name}
                )
            if upload.size > docx.max_bytes():
                raise ValidationError(
                    _("“%(name)s” is larger than %(mb)d MB.")
                    % {"name": upload.name, "mb": docx.max_bytes() // 2**20}
                )
        return files


def docx_import(request: HttpRequest, parent_page_id: int) -> HttpResponse:
    parent = get_object_or_404(Page, pk=parent_page_id).specific
    context = {"parent": parent, "refusal": ""}
    if not isinstance(parent, ColumnPage):
        context["refusal"] = _("Articles are created inside a column; “%(page)s” is not one.") % {
            "page": parent.title
        }
    else:
        try:
            articles.check_can_create(request.user, parent)
        except articles.ArticleRefused as exc:
            context["refusal"] = str(exc)
    if context["refusal"]:
        return TemplateResponse(request, "cms/admin/docx_import.html", context, status=403)

    form = DocxImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        page = _create(request, parent, form)
        if page is not None:
            return redirect("wagtailadmin_pages:edit", page.pk)
    context["form"] = form
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "cms/admin/docx_import.html", context, status=status)


def _create(request: HttpRequest, parent: ColumnPage, form: DocxImportForm):
    from catalog.previews.convert import private_workdir

    upload = form.cleaned_data["docx"]
    try:
        with private_workdir("edu-cms-docx-") as tmp:
            converted = docx.convert_upload(upload, upload.name, Path(tmp))
        extra = {}
        if parent.default_category:
            extra["category"] = parent.default_category
        page = articles.create_article(
            request.user,
            parent,
            title=form.cleaned_data["title"] or converted.title,
            body_html=converted.html,
            attachments=[upload, *form.cleaned_data["attachments"]],
            **extra,
        )
    except docx.DocxError as exc:
        form.add_error("docx", str(exc))
        return None
    except articles.ArticleRefused as exc:
        form.add_error(None, str(exc))
        return None
    except ValidationError as exc:
        form.add_error(None, exc)
        return None
    messages.success(
        request,
        _("The draft “%(title)s” was created from the Word document. Check it, then submit it.")
        % {"title": page.title},
    )
    for warning in converted.warnings:
        messages.warning(request, warning)
    return page
