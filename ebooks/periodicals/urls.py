from django.urls import path

from ebooks.periodicals import views

app_name = "periodicals"

urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("notifications/", views.notifications, name="notifications"),
    path("articles/<int:pk>/", views.article, name="article"),
    path("articles/<int:pk>/edit/", views.revise, name="revise"),
    path("articles/<int:pk>/attachment", views.attachment, name="attachment"),
    path("<slug:slug>/", views.periodical, name="periodical"),
    path("<slug:slug>/submit/", views.submit, name="submit"),
    path("<slug:slug>/issues/new/", views.new_issue, name="new-issue"),
    path("<slug:slug>/<int:volume>-<int:number>/", views.issue, name="issue"),
    path("<slug:slug>/<int:volume>-<int:number>/cover", views.cover, name="cover"),
    path("<slug:slug>/<int:volume>-<int:number>/edit/", views.edit_issue, name="edit-issue"),
]
