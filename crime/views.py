from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from schools.models import School
from ssd.actions import get_action
from ssd.audit.services import deny_forbidden, deny_not_found
from ssd.exports import SafeWriter

from .forms import VicinityRangeForm
from .geo import VICINITY_M
from .importer import NEW_YORK
from .permissions import get_school_for_vicinity
from .selectors import default_range, schools_near_many, vicinity, vicinity_summary

LIST_PAGE = 50


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


def vicinity_context(request: HttpRequest, school: School) -> dict:
    """What the vicinity section renders (on the school page as a panel, and on its own page):
    the range form, counts by offense, one page of the list and the map's points."""
    form = VicinityRangeForm(request.GET, default=default_range())
    context = {
        "school": school,
        "form": form,
        "vicinity": None,
        "map_id": f"crime-map-data-{school.pk}",
    }
    if form.is_valid() and form.range() is not None:
        start, end = form.range()
        # "Advise SROs" on a crime, when the advisories app is installed and the user may send.
        advise = get_action("advisories.advise", request.user, school=school)
        page = _page_number(request)
        v = vicinity_summary(school, start=start, end=end, offset=(page - 1) * LIST_PAGE, limit=LIST_PAGE)
        query = f"from={start:%Y-%m-%d}&to={end:%Y-%m-%d}"
        last_page = max(1, -(-v.total // LIST_PAGE))
        context.update(
            vicinity=v,
            query=query,
            page=page,
            first_shown=v.offset + 1,
            last_shown=v.offset + len(v.crimes),
            newer=page - 1 if page > 1 else None,
            advise_column=advise is not None,
            older=page + 1 if page < last_page else None,
            rows=[
                {
                    "reported": (
                        timezone.localtime(c.reported_at).strftime("%m/%d/%Y %H:%M")
                        if c.reported_at
                        else c.reported_on.strftime("%m/%d/%Y")
                    ),
                    "offense": c.offense.title(),
                    "method": c.method.title(),
                    "block": c.block,
                    "shift": c.shift.title(),
                    "feet": f"{c.distance_ft:,.0f}",
                    "violent": c.spillover,
                    # A link to a redirect that works out the schools around the crime only when
                    # followed: no per-row school lookup or prefilled URL while the page renders.
                    "advise_url": (
                        reverse("crime:advise", args=[school.pk, c.pk])
                        if advise is not None and c.latitude is not None
                        else None
                    ),
                }
                for c in v.crimes
            ],
            map_data={
                "school": {"lat": float(school.latitude), "lon": float(school.longitude), "name": school.name},
                "radius_m": VICINITY_M,
                "tiles": settings.SSD_CRIME_TILE_URL,
                "attribution": settings.SSD_CRIME_TILE_ATTRIBUTION,
                "crimes": [
                    [lat, lon, f"{offense.title()} · {feet} ft", int(violent)]
                    for lat, lon, offense, violent, feet in v.points
                ],
            },
        )
    return context


def _advise_url(action, crime, near_by_crime) -> str | None:
    """The advisory prefilled with the crime's facts (offense, block, time) and every school within
    1,000 ft of it that the user may see, with the distance to each. Never a name: the public feed
    has none."""
    if action is None or crime.latitude is None:
        return None
    near = near_by_crime.get(crime.pk, [])
    when = (
        timezone.localtime(crime.reported_at).strftime("%m/%d/%Y %H:%M")
        if crime.reported_at
        else crime.reported_on.strftime("%m/%d/%Y")
    )
    lines = [
        f"What: {crime.offense.title()}{f' ({crime.method.title()})' if crime.method else ''}, CCN {crime.ccn}.",
        f"Where: {crime.block}. When: {when}.",
        *(f"{school.name}: {feet:,.0f} ft away." for school, feet in near),
        "Watch for: ",
    ]
    return action.url(
        {
            "title": f"{crime.offense.title()} near school, {crime.block}"[:150],
            "watch_for": "\n".join(lines),
            "schools": [school.pk for school, _ in near],
        }
    )


@require_GET
def crime_advise(request: HttpRequest, pk: int, crime_pk: int) -> HttpResponse:
    """"Advise SROs" on one crime of a school's vicinity: on to the advisory form, prefilled. The
    school is the scope (404 outside it, as for the section); the crime must be within 1,000 ft of
    it (404 otherwise); 403 for whoever may see the vicinity but not send advisories."""
    school = get_school_for_vicinity(request.user, pk)
    crime = vicinity(school).filter(pk=crime_pk).first()
    if crime is None:
        raise deny_not_found(request.user, f"crime.crime {crime_pk} near school {pk}", message="No such incident.")
    action = get_action("advisories.advise", request.user)
    if action is None:
        raise deny_forbidden(request.user, "may not send advisories", obj=school)
    return redirect(_advise_url(action, crime, schools_near_many([crime], user=request.user)))


@require_GET
def school_vicinity(request: HttpRequest, pk: int) -> HttpResponse:
    """The school's vicinity on a page of its own (the school page shows the same section as a
    panel). With htmx only the section is sent, so changing the range does not reload the page."""
    school = get_school_for_vicinity(request.user, pk)
    template = "crime/school_vicinity.html"
    if request.htmx and not request.htmx.history_restore_request:
        template = "crime/_vicinity.html"
    return render(request, template, vicinity_context(request, school))


@require_GET
def school_vicinity_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """Every vicinity incident of the school in the range (no list limit), newest first."""
    school = get_school_for_vicinity(request.user, pk)
    form = VicinityRangeForm(request.GET, default=default_range())
    if not form.is_valid():
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        return HttpResponse(
            f"Bad date range ({problems}). Use ?from=YYYY-MM-DD&to=YYYY-MM-DD.\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    rng = form.range()
    name = f"vicinity-{school.gis_id}"
    if rng is not None:
        name += f"-{rng[0]:%Y%m%d}-{rng[1]:%Y%m%d}"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = SafeWriter(response)
    writer.writerow(
        [
            "CCN",
            "REPORT_DAT",
            "OFFENSE",
            "METHOD",
            "SHIFT",
            "BLOCK",
            "DISTANCE_FT",
            "SAME_PSA",
            "PSA",
            "LATITUDE",
            "LONGITUDE",
        ]
    )
    if rng is None:
        return response
    v = vicinity_summary(school, start=rng[0], end=rng[1])
    for c in v.crimes:
        reported = c.reported_at.astimezone(NEW_YORK).isoformat() if c.reported_at else c.reported_on.isoformat()
        writer.writerow(
            [
                c.ccn,
                reported,
                c.offense,
                c.method,
                c.shift,
                c.block,
                f"{c.distance_ft:.0f}",
                "yes" if c.same_psa else "no",
                c.psa or "",
                c.latitude,
                c.longitude,
            ]
        )
    return response
