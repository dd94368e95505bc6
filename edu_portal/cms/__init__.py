"""The bureau's public portal on Wagtail: columns, articles with the disclosure catalogue's
fields, departments, service guides, school sites, site search and the inspection
self-check. Wagtail keeps the page tree, revisions, scheduling, moderation and the editor;
this app maps the platform's roles, object store, audit log, review queue and search onto
it."""
