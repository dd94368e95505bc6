"""Every message has a Chinese translation, and the compiled catalogue is current."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "edu_portal/locale/zh_Hans/LC_MESSAGES/django.po"


def _entries(text: str) -> list[dict[str, str]]:
    """A small .po reader: enough for msgid / msgid_plural / msgstr[n] and fuzzy flags."""
    entries: list[dict[str, str]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        entry: dict[str, str] = {}
        field = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] = line
            elif line.startswith("#"):
                continue
            elif line.startswith('"') and field:
                entry[field] += ast.literal_eval(line)
            elif " " in line:
                field, _, value = line.partition(" ")
                entry[field] = ast.literal_eval(value)
        if "msgid" in entry:
            entries.append(entry)
    return entries


def test_every_message_is_translated_to_chinese():
    entries = _entries(PO.read_text(encoding="utf-8"))
    assert len(entries) > 50
    header = entries[0]
    assert header["msgid"] == ""
    assert "Language: zh_Hans" in header["msgstr"]
    untranslated = [
        entry["msgid"]
        for entry in entries[1:]
        if not (entry.get("msgstr") or entry.get("msgstr[0]"))
    ]
    fuzzy = [entry["msgid"] for entry in entries if "fuzzy" in entry.get("flags", "")]
    assert not untranslated, f"fill these msgstr in {PO}: {untranslated}"
    assert not fuzzy, f"review these fuzzy entries in {PO}: {fuzzy}"


def test_compiled_catalogue_is_up_to_date():
    mo = PO.with_suffix(".mo")
    assert mo.exists(), "run `make setup` (manage.py compilemessages)"
    assert mo.stat().st_mtime >= PO.stat().st_mtime, "django.po changed: run `make setup`"
