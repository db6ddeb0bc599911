"""Default routing, which a division admin then edits in Django's admin (Notifications → Routes).

Every significant incident: the district's sergeants (inbox, email, pager), the area's lieutenant
and the district and watch commanders (inbox, email), and the SROs of the other schools in the PSA
(inbox: a spillover warning without student details). The most serious categories also reach the
commander (inbox, email, pager)."""

from django.db import migrations

ANY = [
    ("sergeant", "in_app"),
    ("sergeant", "email"),
    ("sergeant", "sms"),
    ("lieutenant", "in_app"),
    ("lieutenant", "email"),
    ("district_commander", "in_app"),
    ("district_commander", "email"),
    ("watch_commander", "in_app"),
    ("watch_commander", "email"),
    ("psa_sros", "in_app"),
]
# Homicide, kidnapping, forcible sex offences, arson, weapons, explosives, human trafficking, a
# weapon found at school, a lockdown.
COMMANDER_CODES = [
    "09A", "09B", "09C", "100", "11A", "11B", "11C", "11D", "200", "520", "521", "522", "526", "64A", "64B",
    "SCH-WEAPON", "SCH-LOCKDOWN",
]
COMMANDER_CHANNELS = ["in_app", "email", "sms"]


def load(apps, schema_editor):
    Route = apps.get_model("notifications", "Route")
    Category = apps.get_model("incidents", "IncidentCategory")
    for audience, channel in ANY:
        Route.objects.get_or_create(
            category=None, audience=audience, channel=channel, defaults={"note": "Default: every significant incident."}
        )
    for category in Category.objects.filter(code__in=COMMANDER_CODES):
        for channel in COMMANDER_CHANNELS:
            Route.objects.get_or_create(
                category=category,
                audience="commander",
                channel=channel,
                defaults={"note": "Default: the most serious categories reach the commander."},
            )


def unload(apps, schema_editor):
    apps.get_model("notifications", "Route").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("incidents", "0002_load_categories"),
    ]

    operations = [migrations.RunPython(load, unload)]
