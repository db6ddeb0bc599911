"""factory-boy factories for the foundation models. Geography comes from the real DC import
(`conftest.django_db_setup`), so factories pick real schools rather than inventing them."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from personnel.models import Assignment, Officer, Rank, Role, TrainingCompletion, TrainingCourse
from schools.models import PSA, Area, PoliceDistrict, School

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@mpd.example")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save(update_fields=["password"])


class OfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Officer

    user = factory.SubFactory(UserFactory)
    badge_number = factory.Sequence(lambda n: f"B{10000 + n}")
    rank = Rank.OFFICER


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"area{n}")
    name = factory.Sequence(lambda n: f"Area {n}")


class PoliceDistrictFactory(factory.django.DjangoModelFactory):
    """Returns one of the seven real districts (they are imported before tests run)."""

    class Meta:
        model = PoliceDistrict
        django_get_or_create = ("number",)

    number = factory.Iterator(range(1, 8))
    name = factory.LazyAttribute(lambda d: f"District {d.number}")


class PSAFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PSA
        django_get_or_create = ("number",)

    district = factory.SubFactory(PoliceDistrictFactory)
    number = factory.LazyAttribute(lambda p: p.district.number * 100 + 1)
    sector = factory.LazyAttribute(lambda p: f"{p.district.number}D1")


class SchoolFactory(factory.django.DjangoModelFactory):
    """A new school row (for tests that need one the import does not have, e.g. a new campus)."""

    class Meta:
        model = School

    gis_id = factory.Sequence(lambda n: f"test_{n}")
    name = factory.Sequence(lambda n: f"Test Campus {n}")
    sector = School.Sector.DCPS
    address = "441 4TH STREET NW"
    ward = 2
    grades = "9th-12th"
    grade_band = "high"
    latitude = "38.895000"
    longitude = "-77.015000"
    psa = factory.SubFactory(PSAFactory)


class TrainingCourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingCourse
        django_get_or_create = ("code",)

    code = "ssd-sro-basic"
    name = "School Safety Division SRO training"
    validity_months = 24
    qualifies_sro = True


class TrainingCompletionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingCompletion

    officer = factory.SubFactory(OfficerFactory)
    course = factory.SubFactory(TrainingCourseFactory)
    completed_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=90))
    expires_on = factory.LazyAttribute(lambda c: c.completed_on + dt.timedelta(days=730))


class AssignmentFactory(factory.django.DjangoModelFactory):
    """Writes the row directly; use `personnel.services.assignment_create` (or the `assign` helper
    in conftest) when the scope must follow."""

    class Meta:
        model = Assignment

    officer = factory.SubFactory(OfficerFactory)
    role = Role.COMMANDER
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
