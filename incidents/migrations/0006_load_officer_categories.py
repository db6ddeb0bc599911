"""Loads the categories in officers' words (issue 10), each mapped to the NIBRS offence(s) or school
categories of incidents/data/nibrs_offense_codes.csv and 0002 it is recorded as. The first code is
the default; the officer picks another when it matters (a fight with an injury is 13A, a shouting
match 90C)."""

from django.db import migrations

# slug, name, [codes: default first], hint
OFFICER_CATEGORIES = [
    ("fight", "Fight", ["13B", "90C", "13A"],
     "Someone hit: Simple Assault (13B). Mutual pushing or shouting, no one hurt: Disorderly Conduct (90C). "
     "A weapon or a serious injury: Aggravated Assault (13A)."),
    ("assault", "Assault", ["13B", "13A", "13C"],
     "Serious injury or a weapon: Aggravated Assault (13A). Threats without a blow: Intimidation (13C)."),
    ("weapon-found", "Weapon found", ["SCH-WEAPON", "520"],
     "Someone possessed or carried it: Weapon Law Violations (520)."),
    ("threat", "Threat", ["SCH-THREAT", "13C"],
     "A threat to one person rather than the school: Intimidation (13C)."),
    ("theft", "Theft", ["23D", "23H", "23F", "240", "120"],
     "Taken by force or threat: Robbery (120)."),
    ("drugs", "Drugs or alcohol", ["35A", "35B", "90G"],
     "Only paraphernalia: Drug Equipment Violations (35B). Alcohol: Liquor Law Violations (90G)."),
    ("trespass", "Trespass", ["SCH-TRESPASS", "90J"],
     "Refused to leave after being told, or barred: Trespass of Real Property (90J)."),
    ("disorder", "Disorder / disruption", ["SCH-DISORDER", "90C"],
     "Arrestable conduct: Disorderly Conduct (90C)."),
    ("medical", "Medical emergency", ["SCH-MEDICAL"], ""),
    ("missing", "Missing student", ["SCH-MISSING", "90I"], "Left home or school on purpose: Runaway (90I)."),
    ("vandalism", "Vandalism / property damage", ["290"], ""),
    ("bullying", "Bullying / harassment", ["13C", "SCH-DISORDER"],
     "No threat of harm, school discipline only: Disorder / disruption."),
    ("sexual", "Sexual assault / inappropriate touching", ["11D", "11A", "11C", "11B"], ""),
    ("robbery", "Robbery", ["120"], ""),
    ("suspicious", "Suspicious person", ["SCH-SUSPICIOUS"], ""),
    ("arson", "Fire set / arson", ["200", "SCH-FIREALARM"], "A false alarm, no fire: Fire alarm."),
    ("fire-alarm", "Fire alarm", ["SCH-FIREALARM"], ""),
    ("lockdown", "Lockdown", ["SCH-LOCKDOWN"], ""),
]


def load(apps, schema_editor):
    Category = apps.get_model("incidents", "IncidentCategory")
    OfficerCategory = apps.get_model("incidents", "OfficerCategory")
    for position, (slug, name, codes, hint) in enumerate(OFFICER_CATEGORIES, start=1):
        offenses = list(Category.objects.filter(code__in=codes))
        if len(offenses) != len(codes):
            missing = set(codes) - {c.code for c in offenses}
            raise RuntimeError(f"officer category {slug}: unknown codes {sorted(missing)}")
        by_code = {c.code: c for c in offenses}
        oc, _ = OfficerCategory.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "position": position, "hint": hint, "default_offense": by_code[codes[0]]},
        )
        oc.offenses.set(offenses)


def unload(apps, schema_editor):
    apps.get_model("incidents", "OfficerCategory").objects.filter(
        slug__in=[row[0] for row in OFFICER_CATEGORIES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0005_officer_categories")]
    operations = [migrations.RunPython(load, unload)]
