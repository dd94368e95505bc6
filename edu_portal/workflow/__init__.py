"""The shared review workflow: draft → in review → published, or changes requested with a
comment, and withdrawn. Used by catalog resources, the disclosure portal and periodicals."""
