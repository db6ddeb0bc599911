from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("", views.visit_index, name="index"),
    path("new/", views.visit_new, name="new"),
    path("plan/", views.visit_plan, name="plan"),
    path("respond/", views.visit_respond, name="respond"),
    path("<int:pk>/", views.visit_detail, name="detail"),
    path("<int:pk>/record/", views.visit_record, name="record"),
    path("<int:pk>/move/", views.visit_move, name="move"),
    path("<int:pk>/cancel/", views.visit_cancel, name="cancel"),
    path("<int:pk>/actions/", views.visit_action_add, name="action_add"),
    path("actions/<int:pk>/done/", views.visit_action_done, name="action_done"),
    path("feed/reset/", views.feed_reset, name="feed_reset"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
]
