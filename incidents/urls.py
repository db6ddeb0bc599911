from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list_view, name="list"),
    path("new/", views.incident_new, name="new"),
    path("autosave/", views.incident_autosave, name="autosave"),
    path("people-row/", views.incident_people_row, name="people_row"),
    path("category-preview/", views.category_preview, name="category_preview"),
    path("review/", views.review_queue_view, name="review_queue"),
    path("follow-ups/", views.followup_list_view, name="followups"),
    path("<int:pk>/", views.incident_detail_view, name="detail"),
    path("<int:pk>/edit/", views.incident_edit, name="edit"),
    path("<int:pk>/submit/", views.incident_submit_view, name="submit"),
    path("<int:pk>/print/", views.incident_print, name="print"),
    path("<int:pk>/review/", views.incident_review, name="review"),
    path("<int:pk>/break-glass/", views.incident_break_glass, name="break_glass"),
    path("<int:pk>/significance/", views.incident_significance, name="significance"),
    path("<int:pk>/significance/propose/", views.significance_propose, name="significance_propose"),
    path(
        "<int:pk>/significance/proposals/<int:proposal_pk>/", views.significance_decide, name="significance_decide"
    ),
    path("<int:pk>/supplements/", views.supplement_add, name="supplement_add"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/people/", views.person_add, name="person_add"),
    path("<int:pk>/people/<int:person_pk>/remove/", views.person_remove, name="person_remove"),
    path("<int:pk>/follow-ups/", views.followup_add, name="followup_add"),
    path("<int:pk>/follow-ups/<int:followup_pk>/", views.followup_update, name="followup_update"),
    path("<int:pk>/follow-ups/<int:followup_pk>/notes/", views.followup_note_add, name="followup_note_add"),
    path("<int:pk>/checklist/<int:item_pk>/", views.checklist_tick, name="checklist_tick"),
]
