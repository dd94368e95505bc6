"""Resumable uploads by the tus 1.0.0 protocol, at /api/v1/uploads/ and the page /upload/.

tus.py (protocol), catalog/filetypes.py (type checks), hashing.py (a SHA-256 saved between
requests), actions.py (create / append / finish / terminate / expire; the streaming and
locking design is described there), views.py, cleanup.py + tasks.py (expiry). The storage
side is edu_portal.storage.resumable.
"""
