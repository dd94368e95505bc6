"""Pages and API endpoints of interaction (full paths from the site root)."""

app_name = "interaction"

urlpatterns: list = []
