"""Fixtures of the operations tests. The integrity ledger's live in ledger_support.py."""

from tests.operations.ledger_support import (  # noqa: F401 (fixtures)
    admin,
    article,
    commit,
    ledger_on,
    portal,
)
from tests.storage.conftest import moto_endpoint  # noqa: F401 (the S3 server fixture)
