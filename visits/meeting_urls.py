from django.urls import path

from . import meeting_views as views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_index, name="index"),
    path("new/", views.meeting_new, name="new"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/actions/", views.meeting_action_add, name="action_add"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("actions/<int:pk>/done/", views.meeting_action_done, name="action_done"),
    path("psa/<int:number>/", views.psa_meetings, name="psa"),
]
