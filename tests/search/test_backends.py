"""One behaviour suite for every search backend (see conftest.BACKENDS)."""

from __future__ import annotations

import pytest

from tests.search.conftest import run_search, titles

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(search_backend, make_resource, reindex):
    made = {
        "theorem": make_resource(
            "勾股定理",
            description="直角三角形三边之间的关系。",
            download_count=5,
            days_ago=3,
        ),
        "exercise": make_resource("勾股定理练习题", kind="exercise", download_count=50, days_ago=1),
        "family": make_resource(
            "家庭教育讲座",
            description="家长如何配合学校<b>教育</b>孩子",
            kind="video",
            stage="primary",
            grade=3,
            subject="chinese",
            collection="ncet",
            tags=["家校共育"],
            days_ago=2,
        ),
        "poems": make_resource(
            "古诗词鉴赏",
            description="唐诗宋词选读",
            kind="lesson_plan",
            stage="senior",
            grade=10,
            subject="chinese",
            text="第一课 静夜思：床前明月光，疑是地上霜。举头望明月，低头思故乡。",
            visibility="intranet",
            days_ago=5,
        ),
        # All bigrams of 勾股定, but never the three characters in a row.
        "scattered": make_resource("股定与勾股", kind="document", days_ago=4),
        "draft": make_resource("勾股定理草稿", state="draft"),
        "in_review": make_resource("勾股定理待审", state="in_review"),
        "deleted": make_resource("勾股定理旧版", deleted=True),
        "staff": make_resource("勾股定理教研记录", visibility="staff"),
    }
    reindex()
    return made


def test_one_character_query(corpus):
    assert set(titles(run_search("勾"))) == {"勾股定理", "勾股定理练习题", "股定与勾股"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("教育", {"家庭教育讲座"}),
        ("勾股", {"勾股定理", "勾股定理练习题", "股定与勾股"}),
        ("三角", {"勾股定理"}),  # in the description only
        ("明月", {"古诗词鉴赏"}),  # in the extracted text only
        ("月明", set()),  # both characters present, never as this bigram
    ],
)
def test_two_character_query(corpus, query, expected):
    assert set(titles(run_search(query))) == expected


def test_three_character_query_ranks_contiguous_first(corpus):
    found = titles(run_search("勾股定"))
    assert set(found) == {"勾股定理", "勾股定理练习题", "股定与勾股"}
    assert found[-1] == "股定与勾股"
    assert titles(run_search("股勾定")) == []


def test_several_terms_must_all_match(corpus):
    assert titles(run_search("勾股 练习")) == ["勾股定理练习题"]


@pytest.mark.parametrize("query", ["gougu", "gougudingli", "ggdl", "GouGu", "dingli"])
def test_pinyin_and_initials_match_titles(corpus, query):
    assert {"勾股定理", "勾股定理练习题"} <= set(titles(run_search(query)))


def test_pinyin_match_is_highlighted_in_characters(corpus):
    results = run_search("ggdl")
    assert "<mark>勾股定理</mark>" in results.hits[0].highlights["title"][0]


def test_highlights_are_escaped_and_marked(corpus):
    results = run_search("教育")
    hit = results.hits[0]
    assert "<mark>教育</mark>" in hit.highlights["title"][0]
    description = " ".join(hit.highlights["description"])
    assert "<mark>教育</mark>" in description
    assert "&lt;b&gt;" in description
    assert "<b>" not in description


def test_text_highlight(corpus):
    hit = run_search("明月").hits[0]
    assert any("<mark>明月</mark>" in fragment for fragment in hit.highlights["text"])


def test_drafts_deleted_and_hidden_levels_are_never_found(corpus):
    found = titles(run_search("勾股定理", visibilities=["public", "intranet", "staff"]))
    assert "勾股定理教研记录" in found
    for hidden in ("勾股定理草稿", "勾股定理待审", "勾股定理旧版"):
        assert hidden not in found
    assert "勾股定理教研记录" not in titles(run_search("勾股定理"))
    assert titles(run_search("古诗", visibilities=["public"])) == []


def test_browse_without_text_is_newest_first(corpus):
    results = run_search("")
    assert titles(results) == [
        "勾股定理练习题",
        "家庭教育讲座",
        "勾股定理",
        "股定与勾股",
        "古诗词鉴赏",
    ]
    assert results.total == 5
    assert all(hit.highlights == {} for hit in results.hits)


def test_sort_by_downloads_and_newest(corpus):
    assert titles(run_search("勾股定理", sort="downloads")) == ["勾股定理练习题", "勾股定理"]
    assert titles(run_search("勾股", sort="newest")) == [
        "勾股定理练习题",
        "勾股定理",
        "股定与勾股",
    ]


def test_filters(corpus):
    assert titles(run_search("", filters={"kind": ["exercise"]})) == ["勾股定理练习题"]
    assert set(titles(run_search("", filters={"subject": ["chinese"], "stage": ["senior"]}))) == {
        "古诗词鉴赏"
    }
    assert titles(run_search("", filters={"grade": ["3"]})) == ["家庭教育讲座"]
    assert titles(run_search("", filters={"collection": ["ncet"]})) == ["家庭教育讲座"]
    assert titles(run_search("", filters={"tag": ["家校共育"]})) == ["家庭教育讲座"]
    both = run_search("", filters={"kind": ["exercise", "video"]})
    assert set(titles(both)) == {"勾股定理练习题", "家庭教育讲座"}


def test_facet_counts_drill_down(corpus):
    results = run_search("", filters={"stage": ["junior"]})
    assert results.total == 3
    # The chosen facet still counts every stage (drill-down); the others count within it.
    assert dict(results.facets["stage"]) == {"junior": 3, "primary": 1, "senior": 1}
    assert dict(results.facets["kind"]) == {"courseware": 1, "exercise": 1, "document": 1}
    assert dict(results.facets["grade"]) == {"8": 3}
    assert dict(results.facets["subject"]) == {"math": 3}
    assert dict(results.facets["collection"]) == {"local": 3}


def test_facets_follow_the_text(corpus):
    results = run_search("勾股")
    assert dict(results.facets["kind"]) == {"courseware": 1, "exercise": 1, "document": 1}
    assert dict(results.facets["subject"]) == {"math": 3}
    assert results.facets["stage"] == [("junior", 3)]


def test_paging(corpus):
    first = run_search("", page_size=2)
    second = run_search("", page_size=2, page=2)
    assert first.total == second.total == 5
    assert len(first.hits) == len(second.hits) == 2
    assert not set(first.ids) & set(second.ids)
    assert (second.page, second.page_size) == (2, 2)


def test_textbook_node_filter_includes_descendants(search_backend, make_resource, reindex):
    from catalog.models import Edition, Subject, TextbookNode

    common = {
        "edition": Edition.objects.get(code="pep"),
        "subject": Subject.objects.get(code="math"),
        "grade": 8,
    }

    def node(parent, kind, name):
        made = TextbookNode(kind=kind, name=name, **common)
        if parent is None:
            return TextbookNode.add_root(instance=made)
        return parent.add_child(instance=made)

    book = node(None, "book", "八年级下册")
    unit = node(book, "unit", "第十七章 勾股定理")
    lesson = node(unit, "lesson", "17.1 勾股定理")
    other = node(book, "unit", "第十八章 平行四边形")
    make_resource("勾股定理课件", textbook_node=lesson)
    make_resource("平行四边形课件", textbook_node=other)
    make_resource("无教材章节")
    reindex()
    assert titles(run_search("", filters={"textbook_node": [str(unit.pk)]})) == ["勾股定理课件"]
    assert len(run_search("", filters={"textbook_node": [str(book.pk)]}).hits) == 2
    assert run_search("", filters={"textbook_node": ["999999"]}).total == 0


def test_index_and_delete_one_document(search_backend, make_resource):
    from catalog.search import services

    resource = make_resource("一元二次方程")
    assert run_search("方程").total == 0
    assert services.update(resource.pk) == "indexed"
    assert titles(run_search("方程")) == ["一元二次方程"]
    resource.state = "withdrawn"
    resource.save()
    assert services.update(resource.pk) == "removed"
    assert run_search("方程").total == 0
