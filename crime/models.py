"""MPD's public crime incidents (Open Data DC "Crime Incidents in <year>", CC BY 4.0).

One row per CCN (MPD's complaint number). Locations are block-level, as MPD publishes them. A row
without coordinates is kept (it still counts in its PSA) but is never placed near a school. The
table holds no personal data: the feed is anonymised to the street block by MPD.
"""

from __future__ import annotations

from django.db import models

# DC Code offence categories MPD publishes (SOURCES.md): the violent ones page the SRO and sergeant.
VIOLENT_OFFENSES = frozenset({"HOMICIDE", "ASSAULT W/DANGEROUS WEAPON", "ROBBERY", "SEX ABUSE"})


class Crime(models.Model):
    ccn = models.CharField("CCN", max_length=20, unique=True)
    # REPORT_DAT as published. The 2024 shapefile export carries only a date (no time of day):
    # then `reported_at` is NULL and `reported_on` is that date as published.
    reported_at = models.DateTimeField(null=True, blank=True)
    reported_on = models.DateField(help_text="REPORT_DAT's date in America/New_York")
    shift = models.CharField(max_length=12, blank=True)
    method = models.CharField(max_length=12, blank=True)
    offense = models.CharField(max_length=40)
    block = models.CharField(max_length=120, blank=True)
    ward = models.PositiveSmallIntegerField(null=True, blank=True)
    district = models.PositiveSmallIntegerField(null=True, blank=True)
    psa = models.PositiveSmallIntegerField("PSA", null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    start_date = models.DateTimeField(null=True, blank=True)
    end_date = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="File or URL the row was last loaded from")
    first_imported_at = models.DateTimeField()
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["-reported_on", "-reported_at", "-ccn"]
        indexes = [
            # The vicinity query: a latitude range, whose entries are filtered on longitude and the
            # date range inside the index, so only the rows in the box and the range reach the heap.
            # On PostgreSQL it also carries what the section needs, so its query is index-only.
            models.Index(
                fields=["latitude", "longitude", "reported_on"],
                include=["id", "offense", "method", "reported_at", "ccn"],
                name="crime_lat_lon_on",
            ),
            models.Index(fields=["reported_on"], name="crime_reported_on"),
            models.Index(fields=["psa", "reported_on"], name="crime_psa_reported_on"),
            # The home panel "most violent crime near your schools": only the violent or gun rows
            # (about a fifth), by date, with their coordinates: an index-only read of a month's
            # ~15,000 at 1M crimes instead of 80,000 rows from the heap (151 ms).
            models.Index(
                fields=["reported_on", "latitude", "longitude"],
                condition=models.Q(offense__in=sorted(VIOLENT_OFFENSES)) | models.Q(method="GUN"),
                name="crime_violent_on",
            ),
        ]
        constraints = [
            # Either both coordinates or neither: half a location would place nothing correctly.
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="crime_lat_lon_together",
            ),
        ]

    def __str__(self) -> str:
        return f"CCN {self.ccn} {self.offense}"

    @property
    def is_violent(self) -> bool:
        return self.offense in VIOLENT_OFFENSES

    @property
    def involves_gun(self) -> bool:
        return self.method == "GUN"

    @property
    def spillover(self) -> bool:
        return self.is_violent or self.involves_gun


class Spillover(models.Model):
    """A violent or gun crime found within 1,000 ft of a school at import, less than 48 hours after
    it was reported: the subject of the `crime.spillover` notification. One per crime and school,
    which is what keeps an alert from being raised twice."""

    crime = models.ForeignKey(Crime, on_delete=models.CASCADE, related_name="spillovers")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    distance_m = models.FloatField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["crime", "school"], name="crime_spillover_once")]

    def __str__(self) -> str:
        return f"CCN {self.crime.ccn} near school {self.school_id}"
