"""Images need alternative text before a page can be saved or published: in the Wagtail
editor (the error shows, nothing is published) and for code that saves pages (imports,
the DOCX converter, the demo)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from edu_portal.cms.alt_text import images_without_alt
from edu_portal.cms.models import ArticlePage
from tests.cms.site.conftest import in_english
from tests.people import make_user

pytestmark = pytest.mark.django_db


def embed(image_id: int, alt: str | None) -> str:
    alt_attr = "" if alt is None else f' alt="{alt}"'
    return f'<embed embedtype="image" format="left" id="{image_id}"{alt_attr}/>'


@pytest.mark.parametrize(
    ("html", "missing"),
    [
        ("<p>没有图片</p>", 0),
        (embed(1, "校园一角：新建的图书馆"), 0),
        (embed(1, ""), 1),
        (embed(1, "   "), 1),
        (embed(1, None), 1),
        (embed(1, "图书馆") + embed(2, "") + embed(3, None), 2),
        ('<EMBED EMBEDTYPE="image" ID="1" ALT=""/>', 1),
    ],
)
def test_images_without_alt_are_counted(html, missing):
    assert images_without_alt(html) == missing


@pytest.fixture
def image(db, settings, tmp_path):
    settings.OBJECT_STORE_URL = f"file://{tmp_path / 'objects'}"
    if Collection.get_first_root_node() is None:  # --nomigrations
        Collection.add_root(name="Root")
    return Image.objects.create(title="图书馆", file=get_test_image_file())


def test_code_that_saves_a_page_is_refused_an_image_without_alt(portal, image):
    news = portal.column("教育新闻", "news")
    page = ArticlePage(title="图片新闻", slug="photo", body=f"<p>看图</p>{embed(image.pk, '')}")
    with pytest.raises(ValidationError) as refused:
        news.add_child(instance=page)
    assert [error.code for error in refused.value.error_dict["body"]] == ["alt_text_missing"]
    assert not ArticlePage.objects.filter(slug="photo").exists()


def _edit_data(client: Client, page: ArticlePage, body_html: str) -> dict:
    """The edit form as an editor submits it: what the page holds, the body changed."""
    form = client.get(f"/cms/pages/{page.pk}/edit/").context["form"]
    extra = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(value, str | int) and value != "":
            extra[name] = value
        elif field.required and getattr(field, "choices", None):
            extra[name] = next(key for key, _label in field.choices if key)
    return {
        **{k: v for k, v in extra.items() if k not in ("body", "attachments")},
        **nested_form_data(
            {
                "title": page.title,
                "slug": page.slug,
                "summary": page.summary,
                "body": rich_text(body_html),
                "attachments": inline_formset([]),
                "validity": "valid",
                "action-publish": "publish",
            }
        ),
    }


def test_the_editor_shows_the_error_and_publishes_nothing(portal, image, bureau):
    news = portal.column("教育新闻", "news")
    article = portal.article(news, "图片新闻", slug="photo")
    admin = in_english(make_user("admin_alt", "bureau_admin", bureau, is_superuser=True))
    client = Client()
    client.force_login(admin)
    url = f"/cms/pages/{article.pk}/edit/"

    refused = client.post(url, _edit_data(client, article, f"<p>看图</p>{embed(image.pk, '')}"))
    assert refused.status_code == 200
    assert "has no alternative text" in refused.content.decode()
    article.refresh_from_db()
    assert "embed" not in article.body

    accepted = client.post(
        url, _edit_data(client, article, f"<p>看图</p>{embed(image.pk, '新图书馆')}")
    )
    assert accepted.status_code == 302, accepted.context["form"].errors
    article.refresh_from_db()
    assert 'alt="新图书馆"' in article.body
