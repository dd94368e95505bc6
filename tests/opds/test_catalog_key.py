"""The catalog key: the reader app's own credential, written as the attacks it stops.

It used to be the API token, which also works on the whole API, sat in every feed link and
access log, and outlived a password change.
"""

from __future__ import annotations

import hashlib
import logging
import re

import pytest
from rest_framework.authtoken.models import Token

from ebooks.opds.logs import redact
from ebooks.opds.models import CatalogKey
from edu_portal.accounts.models import LoginRecord
from edu_portal.accounts.roles import Role
from tests.opds.conftest import PASSWORD, basic, entries, link, parse, path_of
from tests.people import make_user

pytestmark = pytest.mark.django_db
KEY_SHAPE = re.compile(r"opds-[0-9a-f]{12}\.[A-Za-z0-9_-]{20,}")


@pytest.fixture
def reader(school):
    return make_user("teacher_zhao", Role.TEACHER, school, password=PASSWORD)


@pytest.fixture
def key(reader) -> str:
    return CatalogKey.issue(reader)


def all_hrefs(response) -> list[str]:
    return [item.get("href") for item in parse(response).iter("{http://www.w3.org/2005/Atom}link")]


# --- what the key opens ------------------------------------------------------------------------


def test_key_as_the_basic_password_browses_and_downloads(client, make_ebook, reader, key):
    book = make_ebook("教师书", visibility="staff")
    credentials = basic("teacher_zhao", key)
    (entry,) = entries(parse(client.get("/opds/new/", **credentials)))
    href = path_of(link(entry, "http://opds-spec.org/acquisition").get("href"))
    assert href == f"/opds/books/{book.pk}.epub"  # nothing secret in the link
    assert client.get(href, **credentials).status_code == 200
    assert client.get(f"/opds/covers/{book.pk}.jpg", **credentials).status_code == 200
    # Not a password sign-in: no login records, no lock bookkeeping.
    assert not LoginRecord.objects.exists()


@pytest.mark.parametrize("scheme", ["Bearer", "Token"])
def test_key_in_an_authorization_header(client, make_ebook, key, scheme):
    book = make_ebook("内网书")
    response = client.get(f"/opds/books/{book.pk}.epub", HTTP_AUTHORIZATION=f"{scheme} {key}")
    assert response.status_code == 200


def test_key_in_the_query_is_carried_into_catalog_links_only(client, make_ebook, reader, key):
    book = make_ebook("内网书", subject="math", grade=3)
    api_token = Token.objects.create(user=reader)
    for href in all_hrefs(client.get(f"/opds/?key={key}")):
        assert api_token.key not in href
        if "/opds/" in href:
            assert href.endswith(f"key={key}") or f"key={key}&" in href, href
    feed = parse(client.get(f"/opds/new/?key={key}"))
    href = link(entries(feed)[0], "http://opds-spec.org/acquisition").get("href")
    assert path_of(href).startswith(f"/opds/books/{book.pk}.epub?")
    assert client.get(path_of(href)).status_code == 200
    # The link to the book's web page never carries the key off the catalog.
    assert key not in link(entries(feed)[0], "alternate").get("href")


def test_feeds_never_carry_the_api_token(client, make_ebook, reader):
    make_ebook("内网书")
    api_token = Token.objects.create(user=reader)
    client.force_login(reader)
    # The token page no longer hands out the API token ...
    page = client.post("/opds/token/", {"action": "new"}).content.decode()
    assert api_token.key not in page
    # ... and no feed of a signed-in reader carries it, or any key.
    for path in ("/opds/", "/opds/new/", "/opds/subjects/"):
        response = client.get(path)
        assert api_token.key.encode() not in response.content
        assert not KEY_SHAPE.search(response.content.decode())


# --- what it does not open ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/auth/me/", "/api/v1/role-assignments/"])
def test_key_is_refused_by_the_api(client, key, path):
    for header in (f"Token {key}", f"Bearer {key}"):
        response = client.get(path, HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, (header, response.status_code)
    response = client.post(
        "/api/v1/role-assignments/",
        {"role": "org_admin"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 401


def test_key_as_a_password_signs_in_nowhere(client, key):
    response = client.post("/accounts/login/", {"username": "teacher_zhao", "password": key})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200  # the form again, with its error
    token = client.post(
        "/api/v1/auth/token/", {"username": "teacher_zhao", "password": key}
    ).status_code
    assert token in (400, 401, 403)


def test_api_token_no_longer_opens_the_catalog(client, make_ebook, reader):
    book = make_ebook("内网书")
    api_token = Token.objects.create(user=reader)
    header = client.get(f"/opds/books/{book.pk}.epub", HTTP_AUTHORIZATION=f"Token {api_token.key}")
    assert header.status_code == 401
    # The old personal address (``?token=`` with the API token) is refused outright.
    old_address = client.get(f"/opds/?token={api_token.key}")
    assert old_address.status_code == 401
    assert "WWW-Authenticate" in old_address
    assert client.get(f"/opds/?key={api_token.key}").status_code == 401


# --- when it ends ------------------------------------------------------------------------------


def test_password_change_ends_the_key(client, make_ebook, reader, key):
    assert client.get("/opds/", **basic("teacher_zhao", key)).status_code == 200
    assert client.get(f"/opds/?key={key}").status_code == 200
    reader.set_password("a-new-Password-9")
    reader.save()
    for response in (
        client.get("/opds/", **basic("teacher_zhao", key)),
        client.get(f"/opds/?key={key}"),
        client.get("/opds/new/", HTTP_AUTHORIZATION=f"Bearer {key}"),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith('Basic realm="OPDS"')
    # The token page says why, and a new key works again.
    client.force_login(reader)
    assert "password changed" in client.get("/opds/token/").content.decode()
    fresh = KEY_SHAPE.search(client.post("/opds/token/", {"action": "new"}).content.decode())
    assert client.get("/opds/", **basic("teacher_zhao", fresh.group())).status_code == 200


def test_disabled_account_ends_the_key(client, reader, key):
    reader.is_active = False
    reader.save()
    assert client.get(f"/opds/?key={key}").status_code == 401


def test_stale_keys_from_a_reader_app_never_lock_the_account(client, reader, key, settings):
    reader.set_password("a-new-Password-9")
    reader.save()
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT + 2):
        assert client.get("/opds/", **basic("teacher_zhao", key)).status_code == 401
    assert client.get("/opds/", **basic("teacher_zhao", "a-new-Password-9")).status_code == 200


# --- the token page ----------------------------------------------------------------------------


def test_token_page_shows_a_new_key_once_and_keeps_only_its_hash(client, reader):
    assert client.get("/opds/token/").status_code == 302  # to the login page
    client.force_login(reader)
    assert not KEY_SHAPE.search(client.get("/opds/token/").content.decode())

    made = client.post("/opds/token/", {"action": "new"})
    assert made["Cache-Control"] == "private, no-store"
    page = made.content.decode()
    key = KEY_SHAPE.search(page).group()
    assert f"/opds/?key={key}" in page
    assert f"teacher_zhao:{key}@" in page  # the address with the key as Basic password
    row = CatalogKey.objects.get(user=reader)
    public_id, secret = key.removeprefix("opds-").split(".")
    assert row.public_id == public_id
    assert row.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(CatalogKey.objects.values()))
    # Shown once: the page says a key exists, never what it is.
    again = client.get("/opds/token/").content.decode()
    assert key not in again and "You have a catalog key" in again

    client.post("/opds/token/", {"action": "new"})
    assert client.get(f"/opds/?key={key}").status_code == 401  # renewed: the old one ends
    client.post("/opds/token/", {"action": "revoke"})
    assert not CatalogKey.objects.filter(user=reader).exists()


def test_token_page_has_no_inline_script(client, reader):
    client.force_login(reader)
    page = client.post("/opds/token/", {"action": "new"}).content.decode()
    assert not re.search(r"\son[a-z]+=", page)


# --- logs --------------------------------------------------------------------------------------


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.mark.parametrize("name", ["django.server", "gunicorn.access", "django.request"])
def test_keys_are_masked_in_request_logs(key, name):
    logger = logging.getLogger(name)
    handler = _Collect()
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        logger.info('"%s" %s %s', f"GET /opds/new/?key={key}&page=2 HTTP/1.1", "200", "512")
        logger.info("%(r)s %(s)s", {"r": "GET /opds/?token=0123456789abcdef HTTP/1.1", "s": 401})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    joined = "\n".join(handler.lines)
    assert key not in joined and "0123456789abcdef" not in joined
    assert "/opds/new/?key=[redacted]&page=2" in joined
    assert "/opds/?token=[redacted]" in joined


def test_redact_masks_a_key_anywhere_and_leaves_other_text():
    line = "Basic teacher:opds-0123456789ab.secretSECRET_- ok"
    assert redact(line) == "Basic teacher:[redacted] ok"
    assert redact("GET /resources/?q=monkey&keyword=x") == "GET /resources/?q=monkey&keyword=x"
