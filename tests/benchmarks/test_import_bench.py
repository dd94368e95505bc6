"""Bulk import benchmark (issue 5 item 9): throughput of ``import_resources`` in files per
second. Run with `make bench`.

A generated archive of 2,000 small files (10–200 KB: PDF, Word, PowerPoint, text, JPEG,
MP3, MP4; a few duplicates and damaged files as in real archives) under Chinese folder
names is imported with 4 worker threads into a fresh SQLite database (WAL, as embedded)
and a fresh filesystem object store, three times in separate processes; the median is
printed, then the rate of a re-run in which everything is skipped as already imported.
Issue 5 asks for the throughput in files per second but sets no target for it, so the rates
are printed, not asserted; what is asserted is that every file is accounted for (imported,
duplicate or damaged) and that the re-run imports nothing and skips everything.
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import zipfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FILES = int(os.environ.get("BENCH_IMPORT_FILES", "2000"))
WORKERS = 4
RUNS = 3
FOLDERS = [
    "小学/三年级/语文/人教版/第一单元",
    "小学/五年级/数学/北师大版/第三单元",
    "初中/八年级/数学/人教版/第一单元 勾股定理",
    "初中/七年级/英语/外研版/Unit 2",
    "高中/高二/物理/人教版/第二单元",
    "中央电教馆资源/初中/九年级/化学",
    "名师讲评/高三/语文",
    "本地资源/期末复习/练习",
]

DRIVER = """
import json, sys, time
import django
django.setup()
from django.contrib.auth import get_user_model
from catalog.importer import run_import
root, workers = sys.argv[1], int(sys.argv[2])
owner = get_user_model().objects.get(username="bench_admin")
first = run_import(root, owner=owner, workers=workers)
again = run_import(root, owner=owner, workers=workers)
print(json.dumps({
    "elapsed": first.elapsed, "files": len(first.rows), "bytes": first.bytes_done,
    "imported": first.count("imported"), "duplicates": first.count("duplicate"),
    "failed": first.count("failed"), "rerun_elapsed": again.elapsed,
    "rerun_skipped": again.count("already_imported"), "rerun_imported": again.imported,
}))
"""


def _ooxml(part: str, payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(part, payload)
    return buffer.getvalue()


def _content(ext: str, payload: bytes) -> bytes:
    if ext == "pdf":
        return b"%PDF-1.4\n%" + payload + b"\n%%EOF\n"
    if ext == "docx":
        return _ooxml("word/document.xml", payload)
    if ext == "pptx":
        return _ooxml("ppt/presentation.xml", payload)
    if ext == "txt":
        return payload.hex().encode()[: len(payload)]
    if ext == "jpg":
        return b"\xff\xd8\xff\xe0" + payload
    if ext == "mp3":
        return b"ID3\x03\x00" + payload
    return b"\x00\x00\x00\x18ftypmp42" + payload  # mp4


def make_archive(root: Path) -> tuple[int, int]:
    """The tree; returns (files, bytes)."""
    rng = random.Random(2026)
    kinds = ["pdf", "docx", "pptx", "txt", "jpg", "mp3", "mp4"]
    weights = [30, 25, 20, 10, 8, 4, 3]
    total = 0
    previous, previous_ext = b"", "pdf"
    for number in range(FILES):
        folder = root / FOLDERS[number % len(FOLDERS)] / f"第{number // 100 + 1}课"
        folder.mkdir(parents=True, exist_ok=True)
        ext = rng.choices(kinds, weights)[0]
        if number % 50 == 7 and previous:  # a copy of the file before: a duplicate
            data = previous
            ext = previous_ext
        elif number % 100 == 13:  # damaged: random bytes under a document name
            data = rng.randbytes(rng.randint(10_000, 200_000))
            ext = "pdf"
        else:
            data = _content(ext, rng.randbytes(rng.randint(10_000, 200_000)))
        previous, previous_ext = data, ext
        (folder / f"资源_{number:05d}.{ext}").write_bytes(data)
        total += len(data)
    return FILES, total


def _env(var_dir: Path) -> dict:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "CELERY_"))},
        "DJANGO_SETTINGS_MODULE": "edu_portal.settings",
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'db.sqlite3'}",
        "OBJECT_STORE_URL": f"file://{var_dir / 'objects'}",
        "DEBUG": "false",
    }


def test_import_benchmark(tmp_path):
    archive = tmp_path / "archive"
    files, size = make_archive(archive)
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
        var_dir = tmp_path / f"run{run}"
        var_dir.mkdir()
        shutil.copy(template / "db.sqlite3", var_dir / "db.sqlite3")
        shutil.copy(template / "secret_key", var_dir / "secret_key")
        done = subprocess.run(
            [sys.executable, "-c", DRIVER, str(archive), str(WORKERS)],
            cwd=PROJECT_ROOT,
            env=_env(var_dir),
            check=True,
            capture_output=True,
            text=True,
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        shutil.rmtree(var_dir / "objects", ignore_errors=True)
    first = results[0]
    assert first["files"] == files
    assert first["imported"] + first["duplicates"] + first["failed"] == files
    assert first["rerun_imported"] == 0
    assert first["rerun_skipped"] == first["imported"] + first["duplicates"]

    elapsed = statistics.median(result["elapsed"] for result in results)
    rerun = statistics.median(result["rerun_elapsed"] for result in results)
    mb = size / 1e6
    print(
        f"\nimport of {files} files ({mb:.0f} MB; {first['imported']} imported, "
        f"{first['duplicates']} duplicates, {first['failed']} damaged), {WORKERS} workers, "
        f"fresh SQLite database and filesystem store, median of {RUNS}:"
    )
    print(f"  import    {elapsed:6.2f} s  {files / elapsed:8.1f} files/s  {mb / elapsed:6.1f} MB/s")
    print(f"  re-run    {rerun:6.2f} s  {files / rerun:8.1f} files/s  (all skipped, no hashing)")
