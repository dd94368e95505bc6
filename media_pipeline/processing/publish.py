"""Publishing a finished output directory to the object store, and removing old sets."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from edu_portal.storage import Storage, StorageError

UPLOAD_THREADS = 8
# Every object lives under a per-job prefix and is never rewritten: cache it for a year.
IMMUTABLE = "public, max-age=31536000, immutable"
# Playlists too are per job, but the short lifetime lets a fix to one reach players.
SHORT = "public, max-age=10"

CONTENT_TYPES = {
    ".m3u8": ("application/vnd.apple.mpegurl", SHORT),
    ".m4s": ("video/iso.segment", IMMUTABLE),
    ".mp4": ("video/mp4", IMMUTABLE),
    ".vtt": ("text/vtt", SHORT),
    ".jpg": ("image/jpeg", IMMUTABLE),
}


class VerificationError(StorageError):
    """An uploaded object is missing, or its size or SHA-256 differ from the local file."""


@dataclass(frozen=True)
class Published:
    key: str
    size: int
    sha256: str


def job_prefix(resource_id: int, job_id: int) -> str:
    return f"hls/{resource_id}/{job_id}/"


def resource_prefix(resource_id: int) -> str:
    return f"hls/{resource_id}/"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _upload_one(storage: Storage, root: Path, path: Path, prefix: str) -> Published:
    key = prefix + path.relative_to(root).as_posix()
    content_type, cache = CONTENT_TYPES.get(
        path.suffix.lower(), ("application/octet-stream", SHORT)
    )
    sha256 = _sha256(path)
    size = path.stat().st_size
    with path.open("rb") as handle:
        storage.put(
            key,
            handle,
            length=size,
            content_type=content_type,
            expected_sha256=sha256,
            cache_control=cache,
        )
    # Read back what the store says it holds: put() succeeding is not proof of a complete set.
    info = storage.stat(key)
    if info.size != size or (info.sha256 is not None and info.sha256 != sha256):
        raise VerificationError(
            f"{key}: stored {info.size} bytes / {info.sha256}, expected {size} / {sha256}"
        )
    return Published(key=key, size=size, sha256=sha256)


def upload_directory(
    storage: Storage,
    root: Path,
    prefix: str,
    *,
    on_file: Callable[[Published], None] | None = None,
    threads: int = UPLOAD_THREADS,
) -> list[Published]:
    """Upload every file under ``root`` to ``prefix`` in parallel, each verified by stat.

    Whatever an earlier, interrupted attempt left under ``prefix`` is removed first so the
    prefix ends up holding exactly this set. The first error is raised after the others
    finished (nothing keeps writing behind the caller's back).
    """
    storage.delete_prefix(prefix)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    # Playlists last: a reader that sees master.m3u8 finds every segment it names.
    files.sort(key=lambda p: p.suffix == ".m3u8")
    media = [p for p in files if p.suffix != ".m3u8"]
    playlists = [p for p in files if p.suffix == ".m3u8"]
    done: list[Published] = []
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="publish") as pool:
        for batch in (media, playlists):
            for published in pool.map(lambda p: _upload_one(storage, root, p, prefix), batch):
                done.append(published)
                if on_file is not None:
                    on_file(published)
    return done


def remove_other_outputs(
    storage: Storage, resource_id: int, keep: str, removable: Callable[[str], bool]
) -> int:
    """Delete the output sets of ``resource_id`` other than ``keep`` for which
    ``removable(prefix)`` says yes (jobs still running keep theirs). Returns objects removed."""
    base = resource_prefix(resource_id)
    prefixes = set()
    for info in storage.list(base):
        job_part = info.key[len(base) :].split("/", 1)[0]
        prefixes.add(f"{base}{job_part}/")
    removed = 0
    for prefix in sorted(prefixes - {keep}):
        if removable(prefix):
            removed += storage.delete_prefix(prefix)
    return removed
