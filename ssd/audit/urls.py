from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.log, name="log"),
    path("export.csv", views.export, name="export"),
    path("disclosures/", views.disclosures, name="disclosures"),
    path("break-glass/", views.break_glass, name="break_glass"),
]
