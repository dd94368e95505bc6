"""Previews of resource files (PDF shown by pdf.js; Office files converted to PDF by
LibreOffice) and the text extracted from them for full-text search."""

from __future__ import annotations


class ReasonedError(Exception):
    """A failure with a machine code and a sentence for people (``reason``); subclasses
    list their sentences in ``MESSAGES`` by code."""

    MESSAGES: dict = {}

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}" if detail else code)

    @property
    def reason(self) -> str:
        return str(self.MESSAGES[self.code])
