"""GET /api/v1/resources/: search, facets, filters, pagination and bad parameters through
the API, on the database backend (the backends themselves have their own suite)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from catalog.search import SearchUnavailable
from tests.search.conftest import (
    make_resource,  # noqa: F401 - fixture
    reindex,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.django_db

INTRANET = {"REMOTE_ADDR": "10.1.2.3"}
OUTSIDE = {"REMOTE_ADDR": "10.9.9.1", "HTTP_X_FORWARDED_FOR": "8.8.8.8"}


@pytest.fixture
def catalog(settings, intranet_settings, make_resource, reindex):  # noqa: F811
    settings.SEARCH_URL = "db://"
    settings.LANGUAGE_CODE = "en"
    made = {
        "theorem": make_resource("勾股定理 课件", tags=["几何"], download_count=5),
        "converse": make_resource("勾股定理的逆定理 练习", kind="exercise", download_count=9),
        "poem": make_resource("古诗词鉴赏", subject="chinese", stage="junior", grade=7),
        "intranet": make_resource("勾股定理 内网微课", kind="video", visibility="intranet"),
        "draft": make_resource("勾股定理 草稿", state="draft"),
    }
    reindex()
    return made


def get(client=None, **params):
    client = client or APIClient(**INTRANET)
    return client.get("/api/v1/resources/", params)


def test_two_character_query_with_facets_and_highlights(catalog):
    body = get(q="勾股").json()
    titles = [r["title"] for r in body["results"]]
    assert set(titles) == {"勾股定理 课件", "勾股定理的逆定理 练习", "勾股定理 内网微课"}
    assert body["count"] == 3 and body["next"] is None
    assert dict(map(tuple, body["facets"]["kind"])) == {"courseware": 1, "exercise": 1, "video": 1}
    first = body["results"][0]
    assert "<mark>" in "".join(first["highlights"]["title"])
    assert first["detail_url"] == f"/resources/{first['id']}/"


def test_pinyin_filters_sort_and_pages(catalog):
    assert {r["title"] for r in get(q="ggdl").json()["results"]} >= {"勾股定理 课件"}
    only = get(q="勾股", kind="exercise").json()
    assert [r["title"] for r in only["results"]] == ["勾股定理的逆定理 练习"]
    by_downloads = get(q="勾股", sort="downloads").json()["results"]
    assert by_downloads[0]["title"] == "勾股定理的逆定理 练习"
    page = get(q="勾股", page_size=2).json()
    assert len(page["results"]) == 2 and page["next"].endswith("page=2")
    assert get(q="勾股", page_size=2, page=2).json()["previous"]
    seventh = get(grade="7").json()
    assert [r["title"] for r in seventh["results"]] == ["古诗词鉴赏"]


def test_outside_the_intranet_only_public_resources_and_never_drafts(catalog):
    titles = {r["title"] for r in get(APIClient(**OUTSIDE), q="勾股").json()["results"]}
    assert titles == {"勾股定理 课件", "勾股定理的逆定理 练习"}


def test_mine_lists_own_resources_in_every_state(catalog, teacher):
    client = APIClient(**INTRANET)
    assert get(client, mine="true").status_code == 401
    client.force_authenticate(teacher)
    body = get(client, mine="true").json()
    assert body["count"] == 5
    assert "draft" in {r["state"] for r in body["results"]}


@pytest.mark.parametrize(
    "params",
    [{"grade": "13"}, {"kind": "poster"}, {"sort": "random"}, {"page": "0"}, {"page_size": "500"}],
)
def test_bad_parameters_are_400_with_the_field(catalog, params):
    response = get(**params)
    assert response.status_code == 400
    assert set(params) <= set(response.json())


def test_search_outage_is_a_503_saying_so(catalog, monkeypatch):
    def down(query):
        raise SearchUnavailable("connection refused")

    monkeypatch.setattr("catalog.search.search", down)
    response = get(q="勾股")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response.json()["code"] == "search_unavailable"


def test_schema_lists_the_catalog_api(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/resources/",
        "/api/v1/resources/{id}/",
        "/api/v1/resources/{id}/review/",
        "/api/v1/taxonomy/",
        "/api/v1/taxonomy/nodes/",
    ):
        assert path in paths, path
    assert "patch" in paths["/api/v1/resources/{id}/"]
    names = {p["name"] for p in paths["/api/v1/resources/"]["get"]["parameters"]}
    assert {"q", "kind", "stage", "grade", "subject", "collection", "sort", "page"} <= names
