"""The catalog of resources: courseware, videos, e-books; taxonomy, search, downloads."""
