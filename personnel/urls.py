from django.urls import path

from . import views

app_name = "personnel"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.officer_new, name="new"),
    path("<int:pk>/", views.officer_detail, name="detail"),
    path("<int:pk>/assign/", views.assignment_new, name="assign"),
    path("<int:pk>/assignments/<int:assignment_pk>/end/", views.assignment_end_view, name="assignment_end"),
    path("<int:pk>/training/new/", views.training_new, name="training_new"),
]
