"""Backups of the database and the object store, restore, and verification.

``manage.py backup --to TARGET``, ``manage.py restore SOURCE``, ``manage.py
verify_backup SOURCE`` and the daily task ``operations.backup`` all use this package.
A target is a directory (a mounted backup server) or ``s3://ACCESS:SECRET@host:port/
bucket/prefix`` on another server; either is an ``edu_portal.storage`` store seen through a
prefix (``target.py``). Layout inside the target::

    objects/<sha[:2]>/<sha256>            an object's bytes, stored once by content address
    objects/<sha[:2]>/<sha256>.enc        the same, encrypted (encrypted backups)
    backups/<name>/header.json            plain: format, encrypted?, scrypt salt and costs
    backups/<name>/database.pgdump[.enc]  pg_dump --format=custom (PostgreSQL), or
    backups/<name>/database.sqlite3[.enc] the online-backup copy (SQLite)
    backups/<name>/manifest.json[.enc]    versions, migrations, dump checksum, row counts,
                                          every object's key, size, SHA-256, content type
    backups/<name>/complete.json          written last: the manifest's SHA-256
    locks/backup.json                     an S3 target's lease (a directory uses flock on
                                          .backup.lock)

``<name>`` is the UTC start time, ``20261205T023000.123456Z``. A backup without
``complete.json`` is incomplete and never restored. Nothing from settings is written: no
credentials, keys or passphrases (the manifest holds versions, names and checksums only).

Modules: ``target`` (parsing, the platform-store refusal, the lock), ``crypto``
(AES-256-GCM chunked, scrypt), ``database`` (dump and load), ``manifest`` (layout and
trusted reading), ``engine`` (making a backup), ``retention`` (pruning),
``restore`` (verify and restore).
"""
