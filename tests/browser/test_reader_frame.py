"""A hostile EPUB in the reader: its chapter points images, styles, fonts, media, frames,
objects, prefetches and a refresh at another resource's download URL. Reading it must not
make the browser request that URL (which would download, count and audit the other
resource with the reader's cookies), while the book's own picture still shows."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from django.utils import timezone

from catalog.blobs import blob_from_file
from catalog.models import Resource, ResourceFile
from ebooks.ingest import ingest_file
from edu_portal.workflow.models import State
from tests.browser.csp import watch_violations
from tests.ebooks.conftest import cover_image

pytestmark = pytest.mark.django_db(transaction=True)
READY = "#reader[data-state='ready']"

_CONTAINER = (
    '<?xml version="1.0"?><container version="1.0" '
    'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
    '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
    "</rootfiles></container>"
)


def _hostile_chapter(target: str, absolute: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="zh-CN"><head><title>第一章</title>
<meta http-equiv="refresh" content="0;url={target}?refresh"/>
<link rel="stylesheet" type="text/css" href="{target}?css"/>
<link rel="prefetch" href="{target}?prefetch"/>
<link rel="preload" as="image" href="{target}?preload"/>
<style>
@font-face {{ font-family: "Evil"; src: url("{target}?font"); }}
body {{ background-image: url("{target}?background"); font-family: "Evil", serif; }}
</style>
</head><body>
<h1>第一章 春天</h1><p>春眠不觉晓，处处闻啼鸟。</p>
<p><img id="own" src="../images/pic.png" alt="插图"/></p>
<p><img src="{target}" alt=""/><img src="{absolute}?absolute" alt=""/>
<img srcset="{target}?srcset 2x" src="{target}?src" alt=""/></p>
<p style="background: url('{target}?attribute')">带样式的段落</p>
<video src="{target}?video" poster="{target}?poster"></video>
<audio src="{target}?audio"></audio>
<iframe src="{target}?frame"></iframe>
<object data="{target}?object"></object>
<embed src="{target}?embed"/>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="{target}?svg"
 width="10" height="10"/></svg>
</body></html>"""


def _hostile_epub(path: Path, target: str, absolute: str) -> Path:
    opf = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<dc:identifier id="id">urn:uuid:0b6f0c1e-2d1c-4b7a-9d43-7f0a3c2e1b55</dc:identifier>'
        "<dc:title>恶意电子书</dc:title><dc:language>zh-CN</dc:language>"
        '<meta property="dcterms:modified">2020-01-01T00:00:00Z</meta></metadata><manifest>'
        '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
        '<item id="pic" href="images/pic.png" media-type="image/png"/>'
        '<item id="c1" href="text/c1.xhtml" media-type="application/xhtml+xml"/>'
        '</manifest><spine><itemref idref="c1"/></spine></package>'
    )
    nav = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">'
        '<head><title>目录</title></head><body><nav epub:type="toc"><ol>'
        '<li><a href="text/c1.xhtml">第一章 春天</a></li></ol></nav></body></html>'
    )
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        archive.writestr("META-INF/container.xml", _CONTAINER)
        archive.writestr("OEBPS/content.opf", opf)
        archive.writestr("OEBPS/nav.xhtml", nav)
        archive.writestr("OEBPS/images/pic.png", cover_image(fmt="PNG"))
        archive.writestr("OEBPS/text/c1.xhtml", _hostile_chapter(target, absolute))
    return path


@pytest.fixture
def other(teacher, tmp_path) -> Resource:
    """Another published resource, downloadable by the reader."""
    resource = Resource.objects.create(
        title="别的资源",
        kind="document",
        uploader=teacher,
        org_unit=teacher.org_unit,
        visibility="public",
        state=State.PUBLISHED,
        published_at=timezone.now(),
        status=Resource.Status.READY,
    )
    source = tmp_path / "notes.txt"
    source.write_text("资料")
    blob = blob_from_file(source, content_type="text/plain")
    ResourceFile.objects.create(
        resource=resource, blob=blob, role=ResourceFile.Role.ORIGINAL, filename="notes.txt"
    )
    return resource


def test_a_book_cannot_make_the_reader_fetch_other_resources(
    open_page, live_server, teacher, other, tmp_path, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    target = f"/resources/{other.pk}/download/"
    epub = _hostile_epub(tmp_path / "hostile.epub", target, f"{live_server.url}{target}")
    book = ingest_file(epub, owner=teacher, visibility="intranet")

    page = open_page(teacher)  # a teacher may download the other resource
    reports = watch_violations(page)
    requests = []
    page.on("request", lambda request: requests.append(request))
    response = page.goto(f"{live_server.url}/read/{book.pk}/")
    policy = response.header_value("content-security-policy")
    assert "img-src 'self'" not in policy and "blob:" in policy, policy
    page.wait_for_selector(READY)
    frame = page.frame_locator("#reader-view iframe")
    frame.locator("body").get_by_text("春眠不觉晓").wait_for()
    # The book's own picture is one of its parts (a blob: URL made from the EPUB) and shows.
    page.wait_for_function(
        """() => {
            const doc = document.querySelector('#reader-view iframe').contentDocument;
            const img = doc && doc.getElementById('own');
            return img && img.src.startsWith('blob:') && img.complete && img.naturalWidth > 0;
        }"""
    )
    page.wait_for_timeout(1500)  # the refresh, prefetch and lazy loads would have gone out
    page.wait_for_load_state("networkidle")

    # Chromium reports loads the policy refused as requests that failed with "csp": they
    # never left the browser. Anything else reached the server.
    tried = [request for request in requests if f"/resources/{other.pk}/" in request.url]
    leaked = [(request.url, request.failure) for request in tried if request.failure != "csp"]
    assert not leaked, leaked
    assert len(tried) >= 5  # the book did try: images, the stylesheet, the font, ...
    # What the book tried was refused by the policy (not merely not attempted).
    assert any(target in line for line in reports), reports
    assert page.url == f"{live_server.url}/read/{book.pk}/"
