"""Pages and API endpoints of disclosure (full paths from the site root)."""

app_name = "disclosure"

urlpatterns: list = []
