"""Where things are: the three SSD areas, MPD's seven police districts, their PSAs, and DC's
public schools. Scope is granted on these few hundred objects (guardian rows with direct foreign
keys) and every other record derives its visibility from the school it belongs to."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class Area(models.Model):
    """One lieutenant's geographic responsibility: a set of police districts."""

    name = models.CharField(max_length=60, unique=True)
    code = models.SlugField(max_length=20, unique=True)

    class Meta:
        ordering = ["name"]
        permissions = [("view_area_schools", "Can see the schools of the area")]

    def __str__(self) -> str:
        return f"{self.name} Area"


class PoliceDistrict(models.Model):
    number = models.PositiveSmallIntegerField(
        unique=True, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    name = models.CharField(max_length=40, unique=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="districts")

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(number__gte=1, number__lte=7), name="policedistrict_number_1_to_7"
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return f"{self.number}D"


class PSA(models.Model):
    """A Police Service Area (e.g. 101), one of about eight in each district."""

    number = models.PositiveSmallIntegerField(unique=True)
    district = models.ForeignKey(PoliceDistrict, on_delete=models.PROTECT, related_name="psas")
    sector = models.CharField(max_length=4, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = "PSA"
        verbose_name_plural = "PSAs"
        constraints = [
            models.CheckConstraint(condition=models.Q(number__gte=101, number__lte=799), name="psa_number_range")
        ]

    def __str__(self) -> str:
        return f"PSA {self.number}"


class School(models.Model):
    class Sector(models.TextChoices):
        DCPS = "DCPS", "DC Public Schools"
        PCS = "PCS", "Public charter school"

    gis_id = models.CharField("GIS id", max_length=20, unique=True)
    name = models.CharField(max_length=150)
    school_code = models.CharField(max_length=10, blank=True, help_text="DCPS school code")
    sector = models.CharField(max_length=4, choices=Sector.choices)
    address = models.CharField(max_length=150)
    zipcode = models.CharField(max_length=10, blank=True)
    ward = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(8)])
    grades = models.CharField(max_length=40, blank=True)
    level_code = models.CharField(max_length=8, blank=True)
    grade_band = models.CharField(max_length=40, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
    psa = models.ForeignKey(PSA, on_delete=models.PROTECT, related_name="schools")
    phone = models.CharField(max_length=30, blank=True)
    principal_name = models.CharField(max_length=120, blank=True)
    principal_phone = models.CharField(max_length=30, blank=True)
    principal_email = models.EmailField(blank=True)
    active = models.BooleanField(default=True)
    data_vintage = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["name"]
        # Only Django's default codenames: the apps that check other permissions on a school declare
        # them (personnel.scope.register_school_perms), and personnel creates their rows after migrate.
        constraints = [
            models.CheckConstraint(condition=models.Q(ward__gte=1, ward__lte=8), name="school_ward_1_to_8")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("schools:detail", args=[self.pk])

    @property
    def is_secondary(self) -> bool:
        return any(part in ("middle", "high") for part in self.grade_band.split("-"))


# guardian's direct foreign-key permission tables: a join on an integer key instead of a generic
# (content_type, object_pk text) lookup, which is what keeps scope queries fast.
class SchoolUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(School, on_delete=models.CASCADE)


class SchoolGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(School, on_delete=models.CASCADE)


class PoliceDistrictUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(PoliceDistrict, on_delete=models.CASCADE)


class PoliceDistrictGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(PoliceDistrict, on_delete=models.CASCADE)


class AreaUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Area, on_delete=models.CASCADE)


class AreaGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Area, on_delete=models.CASCADE)
