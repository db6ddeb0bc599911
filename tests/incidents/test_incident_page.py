"""The one incident page (issue 10, logging half): people inline, categories in officers' words,
"occurred at" without a silent default, photos stripped of EXIF with thumbnails, autosave with the
same optimistic locking, Submit from the draft's own page. Bad input: a clear message, nothing lost."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from incidents import services
from incidents.models import Attachment, Incident, OfficerCategory, PersonInvolved, Status
from ssd.audit.models import AuditEntry, StudentDisclosure
from tests.conftest import login

from .factories import category, jpeg_bytes, make_incident, upload

pytestmark = pytest.mark.django_db


def page_data(personas, **overrides):
    data = {
        "token": str(uuid.uuid4()),
        "opened_at": timezone.now().isoformat(timespec="seconds"),
        "school": personas.school.pk,
        "occurred_when": "now",
        "location": "cafeteria",
        "kind": OfficerCategory.objects.get(slug="fight").pk,
        "narrative": "Two students fought at lunch; separated by the SRO.",
        "people-TOTAL_FORMS": "2",
        "people-INITIAL_FORMS": "0",
        "people-0-role": "mutual",
        "people-0-person_type": "student",
        "people-0-name": "Avery Student",
        "people-1-role": "mutual",
        "people-1-person_type": "student",
        "people-1-name": "Blake Student",
        "submit": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def exif_jpeg() -> bytes:
    image = Image.new("RGB", (64, 48), (120, 90, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x8825] = {1: "N", 2: (38.0, 54.0, 1.0), 3: "W", 4: (77.0, 2.0, 1.0)}  # GPS IFD
    buf = io.BytesIO()
    image.save(buf, format="JPEG", exif=exif)
    return buf.getvalue()


def test_fight_with_two_students_in_one_post(client, personas):
    login(client, personas.sro)
    response = client.post(reverse("incidents:new"), page_data(personas))
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == incident.get_absolute_url()
    assert incident.status == Status.SUBMITTED
    assert incident.officer_category.slug == "fight" and incident.category.code == "13B"  # the default
    assert sorted(incident.people.values_list("name", "role")) == [
        ("Avery Student", "mutual"),
        ("Blake Student", "mutual"),
    ]
    assert timezone.now() - incident.occurred_at < dt.timedelta(minutes=1)
    assert AuditEntry.objects.filter(action="record.create", object_type="incidents.personinvolved").count() == 2


def test_fight_recorded_as_disorderly_conduct_when_chosen(client, personas):
    login(client, personas.sro)
    client.post(reverse("incidents:new"), page_data(personas, category=category("90C").pk))
    assert Incident.objects.get().category.code == "90C"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"people-1-role": ""}, "Choose this person&#x27;s role"),
        ({"people-1-name": ""}, "Enter this person&#x27;s name"),
        ({"occurred_when": ""}, "Say when it happened"),
        ({"occurred_when": "today", "occurred_time": "23:59"}, "in the future"),
        ({"occurred_when": "datetime", "occurred_at": "2099-01-01T10:00"}, "in the future"),
        ({"occurred_when": "today", "occurred_time": ""}, "Enter the time it happened today"),
        ({"kind": "999999"}, "not one you can use"),
        ({"category": str(10**6)}, "not one you can use"),
        ({"category": "13B; drop"}, "not one you can use"),
        ({"kind": None}, "Choose what happened"),
        ({"nibrs": "Treasonous nonsense"}, "No offence by that name"),
        ({"people-TOTAL_FORMS": "5000"}, "Please correct"),
    ],
)
def test_bad_input_keeps_everything(client, personas, override, message):
    if override.get("occurred_time") == "23:59" and timezone.localtime().hour == 23:
        pytest.skip("no future time left today")
    login(client, personas.sro)
    data = page_data(personas, **override)
    response = client.post(reverse("incidents:new"), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert "Two students fought at lunch" in html and "Avery Student" in html
    assert not Incident.objects.exists() and not PersonInvolved.objects.exists()


def test_inactive_officer_category_is_refused(client, personas):
    OfficerCategory.objects.filter(slug="fight").update(active=False)
    login(client, personas.sro)
    response = client.post(reverse("incidents:new"), page_data(personas))
    assert response.status_code == 400 and "not one you can use" in response.content.decode()


def test_inactive_offence_is_refused(client, personas):
    fight = category("90C")
    fight.active = False
    fight.save(update_fields=["active"])
    login(client, personas.sro)
    response = client.post(reverse("incidents:new"), page_data(personas, category=fight.pk))
    assert response.status_code == 400 and "not one you can use" in response.content.decode()
    assert not Incident.objects.exists()


def test_what_happened_keeps_its_choice_on_an_error(client, personas):
    login(client, personas.sro)
    fight = OfficerCategory.objects.get(slug="fight")
    html = client.get(reverse("incidents:new")).content.decode()
    options = list(OfficerCategory.objects.filter(active=True))
    for c in options:
        assert f'<option value="{c.pk}">{c}</option>' in html
    assert " selected>" not in html.split('id="id_kind"')[1].split("</select>")[0]
    response = client.post(reverse("incidents:new"), page_data(personas, occurred_when=""))
    kind_select = response.content.decode().split('id="id_kind"')[1].split("</select>")[0]
    assert response.status_code == 400
    assert (
        kind_select.count(" selected>") == 1 and f'<option value="{fight.pk}" selected>{fight}</option>' in kind_select
    )


def test_non_image_photo_is_named_and_nothing_else_is_lost(client, personas):
    login(client, personas.sro)
    data = page_data(personas, photos=[upload("report.pdf", b"%PDF-1.4\n" + b"x" * 200)])
    response = client.post(reverse("incidents:new"), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "“report.pdf” is not a photo" in html and "choose them again" in html
    assert "Avery Student" in html and "Two students fought" in html
    assert not Incident.objects.exists() and not Attachment.objects.exists()


def test_photos_several_at_once_exif_stripped_unless_kept(client, personas):
    login(client, personas.sro)
    data = page_data(
        personas,
        kind=OfficerCategory.objects.get(slug="weapon-found").pk,
        photos=[upload("a.jpg", exif_jpeg(), "image/jpeg"), upload("b.jpg", jpeg_bytes(), "image/jpeg")],
    )
    assert client.post(reverse("incidents:new"), data).status_code == 302
    incident = Incident.objects.get()
    assert incident.category.code == "SCH-WEAPON" and incident.significant
    assert incident.attachments.count() == 2
    stored = incident.attachments.get(original_name="a.jpg")
    with stored.file.open("rb") as handle, Image.open(handle) as image:
        exif = image.getexif()
        assert 0x8825 not in exif and 0x010F not in exif and 0x0110 not in exif

    kept_data = page_data(personas, keep_metadata="on", photos=[upload("c.jpg", exif_jpeg(), "image/jpeg")])
    assert client.post(reverse("incidents:new"), kept_data).status_code == 302
    kept = Attachment.objects.get(original_name="c.jpg")
    with kept.file.open("rb") as handle, Image.open(handle) as image:
        assert image.getexif()[0x010F] == "PhoneMaker" and 0x8825 in image.getexif()


def test_thumbnail_through_the_audited_view(client, personas):
    login(client, personas.sro)
    client.post(reverse("incidents:new"), page_data(personas, photos=[upload("a.jpg", exif_jpeg(), "image/jpeg")]))
    incident = Incident.objects.get()
    attachment = incident.attachments.get()
    html = client.get(incident.get_absolute_url()).content.decode()
    url = reverse("incidents:attachment", args=[incident.pk, attachment.pk]) + "?size=thumb"
    assert f'src="{url}"' in html
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert AuditEntry.objects.filter(action="attachment.thumbnail", user=personas.sro.user).count() == 1
    # Out of scope: 404, like the file itself.
    login(client, personas.other_sro)
    assert client.get(url).status_code == 404


def test_add_another_person_without_javascript_saves_nothing(client, personas):
    login(client, personas.sro)
    data = page_data(personas, add_person="1")
    data.pop("submit")
    response = client.post(reverse("incidents:new"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="people-2-role"' in html and "Avery Student" in html and "Blake Student" in html
    assert "Two students fought" in html
    assert not Incident.objects.exists()


def test_add_another_person_htmx_partial(client, personas):
    login(client, personas.sro)
    data = page_data(personas)
    response = client.post(reverse("incidents:people_row"), data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'name="people-TOTAL_FORMS" value="3"' in html and "Blake Student" in html
    assert not Incident.objects.exists()


def test_category_preview_shows_checklist_and_significance(client, personas):
    login(client, personas.sro)
    weapon = OfficerCategory.objects.get(slug="weapon-found")
    html = client.get(reverse("incidents:category_preview"), {"kind": weapon.pk}, HTTP_HX_REQUEST="true")
    body = html.content.decode()
    assert "Significant" in body and "A weapon was involved." in body
    assert "Photograph the weapon where it was found" in body
    fight = OfficerCategory.objects.get(slug="fight")
    body = client.get(reverse("incidents:category_preview"), {"kind": fight.pk}).content.decode()
    assert "Not significant by rule" in body and "Disorderly Conduct (90C)" in body
    pk = category("13B").pk
    assert f'value="{pk}" id="id_category_{pk}" checked' in body
    body = client.get(reverse("incidents:category_preview"), {"kind": "junk"}).content.decode()
    assert "<html" not in body


def test_autosave_creates_then_updates_and_refuses_a_stale_version(client, personas):
    login(client, personas.sro)
    data = page_data(personas)
    data.pop("submit")
    first = client.post(reverse("incidents:autosave"), data, HTTP_HX_REQUEST="true")
    incident = Incident.objects.get()
    assert first.status_code == 200 and "Draft saved" in first.content.decode()
    assert f'id="id_version" value="{incident.version}" hx-swap-oob="true"' in first.content.decode()
    assert incident.status == Status.DRAFT and incident.people.count() == 2
    people_ids = set(incident.people.values_list("pk", flat=True))

    data.update(version=str(incident.version), narrative="Two students fought at lunch. More detail.")
    second = client.post(reverse("incidents:autosave"), data, HTTP_HX_REQUEST="true")
    assert "Draft saved" in second.content.decode()
    incident.refresh_from_db()
    assert incident.narrative.endswith("More detail.")
    assert set(incident.people.values_list("pk", flat=True)) == people_ids  # unchanged rows untouched

    stale = dict(data, narrative="An old tab's text.")  # the version before the second save
    third = client.post(reverse("incidents:autosave"), stale, HTTP_HX_REQUEST="true")
    assert "Someone else changed this incident" in third.content.decode() and 'role="alert"' in third.content.decode()
    incident.refresh_from_db()
    assert incident.narrative.endswith("More detail.")

    # The page's Submit after autosaves: the same draft, submitted (no second incident).
    data.update(version=str(incident.version), submit="1")
    assert client.post(reverse("incidents:new"), data).status_code == 302
    incident.refresh_from_db()
    assert Incident.objects.count() == 1 and incident.status == Status.SUBMITTED


def test_autosave_incomplete_says_what_is_missing(client, personas):
    login(client, personas.sro)
    response = client.post(reverse("incidents:autosave"), page_data(personas, occurred_when=""))
    assert response.status_code == 200 and "Not saved yet" in response.content.decode()
    assert not Incident.objects.exists()


def test_autosave_of_someone_elses_token_is_404(client, personas):
    draft = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    login(client, personas.sergeant)
    data = page_data(personas, token=str(draft.idempotency_key), version=str(draft.version))
    assert client.post(reverse("incidents:autosave"), data).status_code in (403, 404)
    draft.refresh_from_db()
    assert draft.version == 1


def test_edit_page_shows_people_and_syncs_them(client, personas):
    draft = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    services.person_add(incident=draft, by=personas.sro.user, role="victim", person_type="student", name="Casey")
    login(client, personas.sro)
    html = client.get(reverse("incidents:edit", args=[draft.pk])).content.decode()
    assert 'value="Casey"' in html
    assert StudentDisclosure.objects.filter(user=personas.sro.user, incident_id=draft.pk).exists()
    draft.refresh_from_db()
    data = page_data(
        personas,
        token=str(draft.idempotency_key),
        version=str(draft.version),
        **{"people-TOTAL_FORMS": "1", "people-0-role": "victim", "people-0-name": "Casey Jones"},
    )
    data.pop("submit")
    assert client.post(reverse("incidents:edit", args=[draft.pk]), data).status_code == 302
    assert list(draft.people.values_list("name", flat=True)) == ["Casey Jones"]


def test_submit_from_the_drafts_own_page(client, personas):
    draft = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    login(client, personas.sro)
    html = client.get(draft.get_absolute_url()).content.decode()
    assert reverse("incidents:submit", args=[draft.pk]) in html and "Save draft" in html
    stale = client.post(reverse("incidents:submit", args=[draft.pk]), {"version": draft.version + 5})
    assert stale.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    client.post(reverse("incidents:submit", args=[draft.pk]), {"version": draft.version})
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


def test_submit_endpoint_author_only(client, personas):
    draft = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    login(client, personas.sergeant)
    assert client.post(reverse("incidents:submit", args=[draft.pk]), {"version": draft.version}).status_code == 404
    assert client.get(reverse("incidents:submit", args=[draft.pk])).status_code == 405
