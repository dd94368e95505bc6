"""Chinese-aware tokens for the database backend, and pinyin for titles.

Chinese has no spaces, so words cannot be found by splitting. Instead every run of Han
characters is indexed as its single characters and its character bigrams: a 1-character
query looks up a unigram, a 2-character query a bigram, and a longer query needs all of
its bigrams (ranking then prefers rows where the query occurs as one piece). Latin letters
and digits are indexed as lower-case words and matched as prefixes.

Titles also get pinyin tokens, so that ``gougu`` or ``ggdl`` finds 勾股定理 (teachers often
type pinyin when the IME is off): the full pinyin without tones and the initials of each
Han run, plus their suffixes from every syllable, so a query matching the pinyin of any
part of the title, from a syllable on, is a prefix of some token.

Everything here is plain Python so that both the database backend and the Elasticsearch
document (``title_pinyin``) use the same rules.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# CJK ideographs (basic, extension A, compatibility, extensions B+), kana and hangul: all are
# written without spaces, so all are indexed by characters and bigrams.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(rf"([{_CJK}]+)|([0-9a-z]+)")
_HAN = re.compile(rf"[{_CJK}]")

#: Longest Latin word kept as a token: longer ones are noise (hashes, URLs) and PostgreSQL
#: refuses lexemes over 2 KB anyway.
MAX_WORD = 40


def normalize(text: str) -> str:
    """Full-width letters and digits to ASCII (ＰＰＴ → ppt), then lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def index_tokens(*texts: str) -> list[str]:
    """Unigrams and bigrams of every CJK run and the Latin words, each once, in order."""
    seen: dict[str, None] = {}
    for text in texts:
        for cjk, word in _RUN.findall(normalize(text)):
            if cjk:
                for i, char in enumerate(cjk):
                    seen[char] = None
                    if i + 1 < len(cjk):
                        seen[cjk[i : i + 2]] = None
            elif len(word) <= MAX_WORD:
                seen[word] = None
    return list(seen)


@dataclass(frozen=True)
class Term:
    """One piece of a query: ``cjk`` (matched by its unigram or bigrams) or ``word``
    (Latin letters or digits, matched as a prefix of words and of title pinyin)."""

    kind: str
    value: str

    @property
    def lexemes(self) -> list[str]:
        """The index tokens that must all be present for this term to match."""
        if self.kind == "word" or len(self.value) == 1:
            return [self.value]
        return list(dict.fromkeys(self.value[i : i + 2] for i in range(len(self.value) - 1)))


def query_terms(text: str) -> list[Term]:
    """The terms of a query; every term must match (AND). Punctuation separates terms."""
    terms: dict[Term, None] = {}
    for cjk, word in _RUN.findall(normalize(text)):
        if cjk:
            terms[Term("cjk", cjk)] = None
        elif len(word) <= MAX_WORD:
            terms[Term("word", word)] = None
    return list(terms)


@lru_cache(maxsize=4096)
def _syllables(run: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # Imported here: pypinyin loads its dictionaries (tens of MB) on first use, which only
    # indexing and pinyin highlighting need.
    from pypinyin import lazy_pinyin

    full = tuple(s.lower() for s in lazy_pinyin(run, errors="default"))
    initials = tuple(s.lower()[:1] for s in full)
    return full, initials


def char_pinyin(text: str) -> list[tuple[str, str]]:
    """(full pinyin, initial) for every character of ``text``; non-Han characters map to
    themselves lower-cased, so positions line up with the text for highlighting."""
    out: list[tuple[str, str]] = []
    for char in text:
        if _HAN.match(char):
            full, initials = _syllables(char)
            syllable = full[0] if full and full[0].isascii() else char
            out.append((syllable, initials[0] if initials else char))
        else:
            low = char.lower()
            out.append((low, low))
    return out


def pinyin_tokens(title: str) -> list[str]:
    """Full pinyin and initials of each Han run of the title, with their suffixes from each
    syllable: 勾股定理 → gougudingli, gudingli, dingli, li, ggdl, gdl, dl, l."""
    seen: dict[str, None] = {}
    for run in re.findall(rf"[{_CJK}]+", normalize(title)):
        full, initials = _syllables(run)
        if not all(s.isascii() and s.isalpha() for s in full):
            # Kana, hangul or rare characters without a reading: no pinyin for this run.
            full = tuple(s for s in full if s.isascii() and s.isalpha())
            initials = tuple(s[:1] for s in full)
        for i in range(len(full)):
            seen["".join(full[i:])[: MAX_WORD * 2]] = None
        for i in range(len(initials)):
            seen["".join(initials[i:])[: MAX_WORD * 2]] = None
    seen.pop("", None)
    return list(seen)


def pinyin_spans(title: str, word: str) -> list[tuple[int, int]]:
    """Character ranges of ``title`` whose pinyin (full, or initials) starts with ``word``,
    for highlighting a pinyin match in the original characters. Only spans starting on a
    Han character count, so a Latin word in the title is highlighted by substring instead."""
    chars = char_pinyin(title)
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(title):
        if not _HAN.match(title[i]):
            i += 1
            continue
        end = _match_from(title, chars, i, word)
        if end:
            spans.append((i, end))
            i = end
        else:
            i += 1
    return spans


def _match_from(title: str, chars: list[tuple[str, str]], start: int, word: str) -> int:
    """End index when ``word`` is a prefix of the full pinyin or initials from ``start``
    (within one Han run, as ``pinyin_tokens`` indexes it)."""
    for which in (0, 1):
        built = ""
        for j in range(start, len(chars)):
            if not _HAN.match(title[j]):
                break
            built += chars[j][which]
            if len(built) >= len(word):
                if built.startswith(word):
                    return j + 1
                break
            if not word.startswith(built):
                break
    return 0
