"""E-book bulk import benchmark (issue 6): ``import_ebooks`` rate in books per second.
Run with `make bench`.

A generated library of 5,000 small books (EPUB 2, EPUB 3 and PDF, a few KB each, with
Chinese titles, authors and folder names; every book different) is imported with the
default workers (processes, one per CPU) into a fresh SQLite database (WAL, as embedded)
and a fresh filesystem object store, in a separate process (median of ``BENCH_EBOOK_RUNS``
runs, default 1 to stay within a few minutes), then a re-run that skips everything unread
is timed; ``BENCH_EBOOK_COMPARE=1`` adds one import with worker threads. The peak memory
(VmHWM) of the importing process is printed. Issue 6 asks for the rate in books per second
but sets no target for it (nor for the memory), so those figures are printed, not asserted;
what is asserted is that every book is imported and that the re-run skips them all.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tests.ebook_import import books

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BOOKS = int(os.environ.get("BENCH_EBOOK_BOOKS", "5000"))
RUNS = int(os.environ.get("BENCH_EBOOK_RUNS", "1"))
COMPARE = os.environ.get("BENCH_EBOOK_COMPARE", "0") == "1"
FOLDERS = [
    "小学/三年级/语文/课外读物",
    "小学/五年级/数学/北师大版",
    "初中/八年级/数学/人教版",
    "初中/七年级/英语/外研版",
    "高中/高二/物理/人教版",
    "教师用书/中国古典文学",
    "图书馆/青少年读物/科普",
]
TITLES = ["静夜思", "勾股定理", "春", "骆驼祥子", "朝花夕拾", "西游记", "物理学史话"]
AUTHORS = ["李白", "数学组", "朱自清", "老舍", "鲁迅", "吴承恩", "物理组"]

DRIVER = """
import json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from ebooks.bulk import import_ebooks
root, pool, again = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
owner = get_user_model().objects.get(username="bench_admin")
first = import_ebooks(root, owner=owner, pool=pool)
out = {"elapsed": first.elapsed, "files": first.files, "imported": first.imported,
       "failed": first.count("failed"), "duplicates": first.count("duplicate")}
if again:
    second = import_ebooks(root, owner=owner, pool=pool)
    out.update(rerun_elapsed=second.elapsed, rerun_imported=second.imported,
               rerun_skipped=second.count("already_imported"))
status = open("/proc/self/status").read()
out["vmhwm_kb"] = int(status.split("VmHWM:")[1].split()[0])
print(json.dumps(out))
"""


def make_library(root: Path) -> int:
    """The tree; returns its size in bytes."""
    pdf_template = books.pdf("模板", n=0)
    total = 0
    for number in range(BOOKS):
        folder = root / FOLDERS[number % len(FOLDERS)] / f"第{number // 500 + 1}批"
        folder.mkdir(parents=True, exist_ok=True)
        title = f"{TITLES[number % len(TITLES)]}（第{number}册）"
        author = AUTHORS[number % len(AUTHORS)]
        kind = number % 3
        if kind == 2:
            # A template PDF with a new info dictionary appended (an incremental update).
            data = _patched_pdf(pdf_template, title, author)
            name = f"{number:05d}.pdf"
        else:
            data = books.epub(title, version=2 + kind, n=number, author=author)
            name = f"{number:05d}.epub"
        (folder / name).write_bytes(data)
        total += len(data)
    return total


def _patched_pdf(template: bytes, title: str, author: str) -> bytes:
    """An incremental update replacing the info dictionary: unique bytes, no pypdf run."""
    start = template.rfind(b"startxref")
    previous = int(template[start + 9 :].split()[0])
    trailer = template[template.rfind(b"trailer") : start]
    size = int(trailer.split(b"/Size")[1].split()[0])
    root = trailer.split(b"/Root")[1].split(b"R")[0].strip() + b" R"

    def text(value: str) -> bytes:
        return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode() + b">"

    offset = len(template)
    info = b"%d 0 obj\n<</Title %s /Author %s>>\nendobj\n" % (size, text(title), text(author))
    xref = len(template) + len(info)
    return (
        template
        + info
        + b"xref\n%d 1\n%010d 00000 n \n" % (size, offset)
        + b"trailer\n<</Size %d /Root %s /Info %d 0 R /Prev %d>>\n"
        % (size + 1, root, size, previous)
        + b"startxref\n%d\n%%%%EOF\n" % xref
    )


def _env(var_dir: Path) -> dict:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "CELERY_"))},
        "DJANGO_SETTINGS_MODULE": "edu_portal.settings",
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'db.sqlite3'}",
        "OBJECT_STORE_URL": f"file://{var_dir / 'objects'}",
        "DEBUG": "false",
    }


def _fresh(template: Path, var_dir: Path) -> dict:
    var_dir.mkdir()
    shutil.copy(template / "db.sqlite3", var_dir / "db.sqlite3")
    shutil.copy(template / "secret_key", var_dir / "secret_key")
    return _env(var_dir)


def _import(library: Path, env: dict, pool: str, again: bool) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(library), pool, "1" if again else "0"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_ebook_import_benchmark(tmp_path):
    started = time.perf_counter()
    library = tmp_path / "library"
    size = make_library(library)
    generated = time.perf_counter() - started
    template = tmp_path / "template"
    template.mkdir()
    env = _env(template)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=PROJECT_ROOT, env=env, check=True)
    subprocess.run(
        [
            *manage,
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            "get_user_model().objects.create_user('bench_admin', is_superuser=True)",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
    )
    results = []
    for run in range(RUNS):
        env = _fresh(template, tmp_path / f"run{run}")
        results.append(_import(library, env, "process", again=run == 0))
        shutil.rmtree(tmp_path / f"run{run}")
    first = results[0]
    assert first["files"] == BOOKS
    assert first["imported"] == BOOKS, first
    assert first["rerun_imported"] == 0 and first["rerun_skipped"] == BOOKS
    threads = None
    if COMPARE:
        threads = _import(library, _fresh(template, tmp_path / "threads"), "thread", again=False)
        assert threads["imported"] == BOOKS

    elapsed = statistics.median(result["elapsed"] for result in results)
    peak = max(result["vmhwm_kb"] for result in results) / 1024
    workers = os.cpu_count()
    print(
        f"\nimport_ebooks of {BOOKS} books ({size / 1e6:.0f} MB: EPUB 2, EPUB 3, PDF; "
        f"generated in {generated:.1f} s), {workers} worker processes, fresh SQLite database "
        f"and filesystem store, median of {RUNS}:"
    )
    print(f"  import    {elapsed:6.2f} s  {BOOKS / elapsed:8.1f} books/s")
    rerun = first["rerun_elapsed"]
    print(f"  re-run    {rerun:6.2f} s  {BOOKS / rerun:8.1f} files/s  (all skipped, none read)")
    if threads is not None:
        took = threads["elapsed"]
        print(
            f"  threads   {took:6.2f} s  {BOOKS / took:8.1f} books/s  "
            f"({workers} worker threads instead of processes, 1 run)"
        )
    print(f"  peak memory of the importing process (VmHWM): {peak:.0f} MB")
