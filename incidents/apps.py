from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self) -> None:
        from personnel.scope import register_admin_perms, register_school_perms

        from . import (
            demo,  # noqa: F401  (registers the seed step incidents.demo)
            permissions,
        )

        register_school_perms(app="incidents", perms=permissions.SCHOOL_PERMS, grants=permissions.ROLE_GRANTS)
        register_admin_perms(permissions.ADMIN_PERMS, source="incidents")

        from django.db.models.signals import post_save, pre_save

        from schools.models import PSA, School

        from . import notifications, panels, rollup

        # The district rollup follows a school into another district (incidents.rollup).
        pre_save.connect(rollup.school_pre_save, sender=School, dispatch_uid="incidents.rollup.school_pre")
        post_save.connect(rollup.school_post_save, sender=School, dispatch_uid="incidents.rollup.school_post")
        pre_save.connect(rollup.psa_pre_save, sender=PSA, dispatch_uid="incidents.rollup.psa_pre")
        post_save.connect(rollup.psa_post_save, sender=PSA, dispatch_uid="incidents.rollup.psa_post")

        notifications.register()
        panels.register()

        from ssd.counts import register_count

        from .templatetags.incidents_nav import REVIEW_COUNT, review_badge_rows

        # The header's "Review" badge: a sergeant's submitted reports, counted with the header's others.
        register_count(REVIEW_COUNT, review_badge_rows)
