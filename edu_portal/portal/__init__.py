"""The site shell: home page, section pages, health checks."""
