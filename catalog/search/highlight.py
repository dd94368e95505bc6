"""Highlights computed in Python for the database backend (Elasticsearch makes its own)."""

from __future__ import annotations

import re
from html import escape

from catalog.search.text import Term, normalize, pinyin_spans

PRE, POST = "<mark>", "</mark>"
#: Characters of context on each side of a match in description and text fragments.
CONTEXT = 30
MAX_FRAGMENTS = 3


def spans(text: str, terms: list[Term], *, pinyin: bool = False) -> list[tuple[int, int]]:
    """Merged character ranges of ``text`` that match any term.

    A CJK term is marked where it occurs whole, otherwise where its bigrams occur (that is
    what matched); words are marked as case-insensitive substrings and, in titles, by
    their pinyin.
    """
    # NFKC keeps the length of CJK and ASCII text; where it would not (ligatures, rare
    # compatibility characters), matching on the lowered original is the safe fallback.
    folded = normalize(text)
    if len(folded) != len(text):
        folded = text.lower()
    found: list[tuple[int, int]] = []
    for term in terms:
        needles = [term.value]
        if term.kind == "cjk" and term.value not in folded:
            needles = term.lexemes
        for needle in needles:
            found += [(m.start(), m.end()) for m in re.finditer(re.escape(needle), folded)]
        if pinyin and term.kind == "word":
            found += pinyin_spans(text, term.value)
    found.sort()
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _marked(text: str, ranges: list[tuple[int, int]], start: int, end: int) -> str:
    out, pos = [], start
    for s, e in ranges:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out += [escape(text[pos:s]), PRE, escape(text[s:e]), POST]
        pos = e
    out.append(escape(text[pos:end]))
    return "".join(out)


def whole(text: str, terms: list[Term], *, pinyin: bool = False) -> list[str]:
    """The whole (short) text with matches marked, or nothing when nothing matched."""
    ranges = spans(text, terms, pinyin=pinyin)
    return [_marked(text, ranges, 0, len(text))] if ranges else []


def fragments(text: str, terms: list[Term]) -> list[str]:
    """Up to MAX_FRAGMENTS snippets of a long text around its matches."""
    ranges = spans(text, terms)
    out: list[str] = []
    covered = -1
    for start, end in ranges:
        if start < covered:
            continue
        lo, hi = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
        piece = _marked(text, ranges, lo, hi).replace("\n", " ")
        out.append(("…" if lo else "") + piece + ("…" if hi < len(text) else ""))
        covered = hi
        if len(out) >= MAX_FRAGMENTS:
            break
    return out


def highlight(title: str, description: str, text: str, terms: list[Term]) -> dict[str, list[str]]:
    result = {
        "title": whole(title, terms, pinyin=True),
        "description": fragments(description, terms),
        "text": fragments(text, terms),
    }
    return {name: frags for name, frags in result.items() if frags}
