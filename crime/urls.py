"""Mounted under /schools/ (ssd/urls.py, before the schools app's own URLs): the vicinity of a
school belongs on the school's path, while the schools app stays unaware of this one."""

from django.urls import path

from . import views

app_name = "crime"
urlpatterns = [
    path("<int:pk>/vicinity/", views.school_vicinity, name="school_vicinity"),
    path("<int:pk>/vicinity.csv", views.school_vicinity_csv, name="school_vicinity_csv"),
    path("<int:pk>/vicinity/<int:crime_pk>/advise/", views.crime_advise, name="advise"),
]
