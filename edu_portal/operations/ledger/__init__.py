"""The integrity ledger (issue 16, tamper detection).

* ``chain``: appending MAC-chained entries under a lock, checking one entry or the chain.
* ``content``: the canonical digest of a live page.
* ``recording``: what the platform records when it changes an item (publish, unpublish,
  delete; objects stored or removed through the platform's store).
* ``verify``: ``manage.py verify_integrity``: every current item and the chain.
* ``serving``: a page is checked when served and replaced by its last verified revision.
* ``runs``: a verification or the first baseline as an IntegrityRun, with the alert.

The rows (``LedgerHead``, ``LedgerEntry``) are in ``edu_portal.operations.models``.
"""
