"""``manage.py import_articles FILE.jsonl``: the old site's articles, one JSON object a line.

Fields: ``column`` (path of column titles under the default site's home, "政务公开/局发文件"),
``title``, ``published`` (YYYY-MM-DD), ``body_html``; optional ``doc_number``, ``category``
(a value or its Chinese label), ``issuer`` (org unit name or code), ``keywords``,
``validity`` (value or label), ``attachments`` (paths relative to the file's folder).

Each line is all-or-nothing and published with its own date (never "now"); a line already
imported (same ``import_key``: column, title and date) is skipped, so running again is
harmless. Failures are reported with their line number; exit status 1 if any line failed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from contextlib import ExitStack
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from wagtail.models import Site

from edu_portal.accounts.models import OrgUnit
from edu_portal.cms import articles
from edu_portal.cms.models import ArticlePage, Category, ColumnPage, Validity


class LineError(Exception):
    """A line that cannot be imported; ``str()`` says why."""


def _choice(choices, value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    with translation.override("zh-hans"):
        for key, label in choices.choices:
            if value in (key, str(label)):
                return key
    raise LineError(f"unknown {what} {value!r}")


def import_key(column: str, title: str, published: dt.date) -> str:
    raw = f"{column}\n{title}\n{published.isoformat()}".encode()
    return hashlib.sha256(raw).hexdigest()[:64]


class Command(BaseCommand):
    help = "Import the old site's articles from a JSON Lines file (published, dates kept)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"{file} is not a file")
        self.base = file.resolve().parent
        self.home = self._home()
        created = skipped = 0
        failures: list[str] = []
        with file.open(encoding="utf-8-sig") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    if self._import(line):
                        created += 1
                    else:
                        skipped += 1
                except (LineError, ValidationError, PermissionDenied) as exc:
                    message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else exc
                    failures.append(f"line {number}: {message}")
        for failure in failures:
            self.stderr.write(failure)
        self.stdout.write(f"{created} imported, {skipped} already there, {len(failures)} failed")
        if failures:
            raise SystemExit(1)

    def _home(self):
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        if site is None:
            raise CommandError("There is no default site; create the portal's tree first.")
        return site.root_page

    def _column(self, path: str) -> ColumnPage:
        page = self.home
        for title in [part.strip() for part in path.split("/") if part.strip()]:
            child = page.get_children().filter(title=title).first()
            if child is None:
                raise LineError(f"no column {title!r} under {page.title!r}")
            page = child
        page = page.specific
        if not isinstance(page, ColumnPage):
            raise LineError(f"{path!r} is not a column")
        return page

    def _attachment(self, relative: str, stack: ExitStack) -> articles.Upload:
        if not isinstance(relative, str) or not relative:
            raise LineError("an attachment path must be a non-empty string")
        path = Path(relative)
        if path.is_absolute() or ".." in path.parts:
            raise LineError(f"attachment {relative!r} must be inside the file's folder")
        resolved = (self.base / path).resolve()
        if not resolved.is_relative_to(self.base) or not resolved.is_file():
            raise LineError(f"attachment {relative!r} is not a file in the file's folder")
        return articles.Upload(name=resolved.name, file=stack.enter_context(resolved.open("rb")))

    def _issuer(self, value: str) -> OrgUnit | None:
        value = (value or "").strip()
        if not value:
            return None
        unit = OrgUnit.objects.filter(code=value).first() or (
            OrgUnit.objects.filter(name=value).order_by("pk").first()
        )
        if unit is None:
            raise LineError(f"no org unit named or coded {value!r}")
        return unit

    def _import(self, line: str) -> bool:
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LineError(f"not JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise LineError("not a JSON object")
        for field in ("column", "title", "published", "body_html"):
            if not isinstance(data.get(field), str) or not data[field].strip():
                raise LineError(f"{field} is missing")
        try:
            published = dt.date.fromisoformat(data["published"].strip())
        except ValueError:
            raise LineError(f"published {data['published']!r} is not a date (YYYY-MM-DD)") from None
        key = import_key(data["column"], data["title"].strip(), published)
        if ArticlePage.objects.filter(import_key=key).exists():
            return False
        column = self._column(data["column"])
        fields = {
            "import_key": key,
            "doc_number": str(data.get("doc_number") or "")[:100],
            "keywords": str(data.get("keywords") or "")[:200],
            "category": _choice(Category, data.get("category"), "category")
            or column.default_category,
            "validity": _choice(Validity, data.get("validity"), "validity") or Validity.VALID,
            "issuer": self._issuer(data.get("issuer")),
        }
        attachments = data.get("attachments") or []
        if not isinstance(attachments, list):
            raise LineError("attachments must be a list of paths")
        with ExitStack() as stack:
            uploads = [self._attachment(item, stack) for item in attachments]
            articles.create_article(
                None,
                column,
                title=data["title"],
                body_html=data["body_html"],
                attachments=uploads,
                published=published,
                **fields,
            )
        return True
