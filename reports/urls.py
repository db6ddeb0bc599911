from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    # The stable interface (issue 16): month, district, category, count.
    path("incidents.csv", views.incidents_csv, name="incidents_csv"),
    path("weekly.pdf", views.weekly_pdf, name="weekly_pdf"),
    path("sections/<slug:name>/", views.section, name="section"),
    path("<slug:table>.csv", views.table_csv, name="table_csv"),
]
