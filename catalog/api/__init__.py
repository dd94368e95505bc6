"""The resources API, mounted at /api/v1/."""
