from django.urls import path

from . import training_views

app_name = "training"
urlpatterns = [
    path("", training_views.training_list, name="list"),
    path("export.csv", training_views.training_export, name="export"),
    path("bulk/", training_views.training_bulk, name="bulk"),
]
