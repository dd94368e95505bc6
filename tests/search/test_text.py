"""Tokens and pinyin shared by both backends."""

from __future__ import annotations

from catalog.search import highlight
from catalog.search.text import index_tokens, pinyin_spans, pinyin_tokens, query_terms


def test_cjk_runs_give_unigrams_and_bigrams_and_words_are_folded():
    assert index_tokens("第3课 勾股（ＰＰＴ）") == ["第", "3", "课", "勾", "勾股", "股", "ppt"]


def test_query_terms_and_their_lexemes():
    terms = query_terms("勾股定，Gougu 勾")
    assert [(t.kind, t.value) for t in terms] == [
        ("cjk", "勾股定"),
        ("word", "gougu"),
        ("cjk", "勾"),
    ]
    assert [t.lexemes for t in terms] == [["勾股", "股定"], ["gougu"], ["勾"]]


def test_pinyin_tokens_cover_every_syllable_suffix_and_initials():
    tokens = pinyin_tokens("八年级：勾股定理")
    for expected in ("gougudingli", "gudingli", "dingli", "ggdl", "gdl", "banianji", "bnj"):
        assert expected in tokens
    assert pinyin_tokens("PPT 2024") == []


def test_pinyin_spans_map_back_to_characters():
    assert pinyin_spans("八年级：勾股定理", "gougu") == [(4, 6)]
    assert pinyin_spans("八年级：勾股定理", "ggdl") == [(4, 8)]
    assert pinyin_spans("勾股定理", "gougud") == [(0, 3)]
    assert pinyin_spans("勾股定理", "xyz") == []


def test_highlight_fragments_are_escaped_and_bounded():
    text = "<p>" + "甲" * 100 + "勾股定理" + "乙" * 100 + "</p>"
    (fragment,) = highlight.fragments(text, query_terms("勾股"))
    assert fragment.startswith("…") and fragment.endswith("…")
    assert "<mark>勾股</mark>" in fragment
    assert "<p>" not in highlight.fragments("<p>勾股</p>", query_terms("勾股"))[0]
