"""Loads the incident taxonomy: the FBI NIBRS offence codes (incidents/data/nibrs_offense_codes.csv,
the FBI Crime Data Explorer's own table; see incidents/data/README.md) and the school's
non-criminal categories, with default significance rules and checklists a division admin can edit."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "nibrs_offense_codes.csv"

# Homicide, kidnapping, sex offences, robbery, aggravated assault, arson, weapons, human trafficking.
SIGNIFICANT_NIBRS = {
    "09A", "09B", "09C", "100", "11A", "11B", "11C", "11D", "36A", "36B", "120", "13A", "200",
    "520", "521", "522", "526", "64A", "64B",
}
WEAPON_NIBRS = {"520", "521", "522", "526"}

SCHOOL_CATEGORIES = [
    # code, name, significant, weapon
    ("SCH-DISORDER", "Disorder / disruption", False, False),
    ("SCH-THREAT", "Threat to the school", True, False),
    ("SCH-WEAPON", "Weapon found", True, True),
    ("SCH-MEDICAL", "Medical emergency", False, False),
    ("SCH-MISSING", "Missing student", False, False),
    ("SCH-SUSPICIOUS", "Suspicious person", False, False),
    ("SCH-TRESPASS", "Trespass (non-criminal)", False, False),
    ("SCH-FIREALARM", "Fire alarm", False, False),
    ("SCH-LOCKDOWN", "Lockdown", True, False),
]

CHECKLISTS = {
    "SCH-WEAPON": ("Weapon recovered", [
        "Secure the weapon and make it safe; keep people away from it",
        "Photograph the weapon where it was found",
        "Notify the principal",
        "Notify the sergeant",
        "Request a CCN and submit the weapon to the MPD property office",
        "Preserve camera footage of the area",
    ]),
    "520": ("Weapon law violation", [
        "Secure the weapon and make it safe",
        "Photograph the weapon where it was found",
        "Notify the principal",
        "Notify the sergeant",
        "Submit the weapon to the MPD property office",
    ]),
    "SCH-THREAT": ("Threat to the school", [
        "Notify the principal",
        "Notify the sergeant",
        "Identify and preserve the source of the threat (note, message, post)",
        "Join the school's threat assessment meeting",
    ]),
    "13A": ("Aggravated assault", [
        "Render aid and call EMS if needed",
        "Separate the parties and identify witnesses",
        "Notify the principal",
        "Preserve camera footage",
        "Request a CCN",
    ]),
    "SCH-MISSING": ("Missing student", [
        "Notify the principal",
        "Get a recent photo and description from the school",
        "Broadcast a lookout",
        "Confirm the school has contacted the parent or guardian",
    ]),
    "SCH-MEDICAL": ("Medical emergency", [
        "Call EMS (911)",
        "Notify the school nurse",
        "Notify the principal",
    ]),
    "SCH-LOCKDOWN": ("Lockdown", [
        "Confirm the lockdown with the principal",
        "Notify the sergeant and the district",
        "Record the start and end times",
    ]),
}

KIND = {"A": "nibrs_a", "B": "nibrs_b", "": "nibrs_other"}


def load(apps, schema_editor):
    Category = apps.get_model("incidents", "IncidentCategory")
    Template = apps.get_model("incidents", "ChecklistTemplate")
    Item = apps.get_model("incidents", "ChecklistItem")
    with DATA.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code = row["OFFENSE_CODE"].strip()
            if code == "23*":
                # The FBI table's placeholder for an unspecified larceny: not a choice an officer makes.
                active = False
            else:
                active = True
            Category.objects.update_or_create(
                code=code,
                defaults={
                    "name": row["OFFENSE_NAME"].strip(),
                    "kind": KIND[row["OFFENSE_GROUP"].strip()],
                    "offense_category": row["OFFENSE_CATEGORY_NAME"].strip(),
                    "crime_against": row["CRIME_AGAINST"].strip() if not row["CRIME_AGAINST"].strip().isdigit() else "",
                    "significant_by_default": code in SIGNIFICANT_NIBRS,
                    "is_weapon": code in WEAPON_NIBRS,
                    "active": active,
                },
            )
    for code, name, significant, weapon in SCHOOL_CATEGORIES:
        Category.objects.update_or_create(
            code=code,
            defaults={"name": name, "kind": "school", "significant_by_default": significant, "is_weapon": weapon},
        )
    for code, (name, items) in CHECKLISTS.items():
        template, _ = Template.objects.update_or_create(category=Category.objects.get(code=code), defaults={"name": name})
        for position, text in enumerate(items, start=1):
            Item.objects.update_or_create(template=template, position=position, defaults={"text": text})


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
