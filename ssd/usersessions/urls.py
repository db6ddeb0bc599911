from django.urls import path

from . import views

app_name = "usersessions"
urlpatterns = [
    path("", views.sessions, name="list"),
    path("<int:pk>/end/", views.end, name="end"),
    path("end-others/", views.end_others, name="end_others"),
    path("user/<int:user_id>/end-all/", views.end_all_for_user, name="end_all"),
]
