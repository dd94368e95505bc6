"""OPDS 1.2 catalog of the published e-books, for e-reader apps on the education intranet.

``feeds`` builds the Atom documents, ``auth`` decides who is asking (HTTP Basic, a per-user
token, or the session), ``views`` applies the catalog policy and serves feeds, covers and
books. Mounted at ``/opds/``.
"""
