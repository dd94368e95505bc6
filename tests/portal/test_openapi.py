"""The API description is valid OpenAPI 3 and its browser view needs no outside network."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from openapi_spec_validator import validate


@pytest.mark.django_db
def test_schema_is_a_valid_openapi_3_document(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    assert str(document["openapi"]).startswith("3")
    assert document["info"]["title"]
    validate(document)


@pytest.mark.django_db
def test_schema_as_json(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert json.loads(response.content)["openapi"].startswith("3")


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def _docs(client) -> tuple[str, str]:
    """The docs page and its settings script: a second request, since the page's
    Content-Security-Policy allows no inline script."""
    html = client.get("/api/docs/").content.decode()
    (script_url,) = [url for url in _asset_urls(html) if url.startswith("/api/docs/?script")]
    return html, client.get(script_url).content.decode()


def test_docs_page_uses_only_local_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html, script = _docs(client)
    assert "SwaggerUIBundle" in script
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assets = _asset_urls(html)
    assert any(url.endswith("swagger-ui-bundle.js") for url in assets)
    for url in assets:
        assert url.startswith(("/static/", "/api/docs/?script")), f"not served locally: {url}"
        assert client.get(url).status_code == 200, url
    for text in (html, script):
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.IGNORECASE)


def test_docs_page_does_not_call_the_public_swagger_validator(client):
    _html, script = _docs(client)
    assert '"validatorUrl": null' in script
