"""Clients with CSRF checks on, and reading the review pages."""

from __future__ import annotations

import re

from django.test import Client

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def client_for(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def token(response) -> str:
    match = TOKEN.search(response.content.decode())
    assert match, "the page has no CSRF token"
    return match.group(1)


def titles(response) -> set[str]:
    return {item["label"] for item in response.context["items"]}


def key(resource) -> str:
    return f"catalog.resource:{resource.pk}"
