"""Pages and API endpoints of interaction (full paths from the site root)."""

from django.urls import path

from edu_portal.interaction import api, staff_views, views

app_name = "interaction"

urlpatterns = [
    path("letters/write/", views.write, name="write"),
    path("letters/write/challenge/", views.letter_challenge, name="challenge"),
    path("letters/write/thanks/", views.thanks, name="thanks"),
    path("letters/lookup/", views.lookup, name="lookup"),
    path("letters/lookup/rate/", views.rate, name="rate"),
    path("letters/answers/", views.answers, name="answers"),
    path("letters/answers/<int:pk>/", views.answer, name="answer"),
    path("letters/office/", staff_views.office, name="office"),
    path("letters/department/", staff_views.department, name="department"),
    path("letters/<int:pk>/", staff_views.letter_page, name="letter"),
    path("letters/<int:pk>/<slug:name>/", staff_views.step, name="step"),
    path("api/v1/letters/", api.LettersView.as_view(), name="api-letters"),
    path("api/v1/letters/lookup/", api.LookupView.as_view(), name="api-lookup"),
]
