"""E-book ingest, reader, OPDS, periodicals (built by the e-book issue)."""
