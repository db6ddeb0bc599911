from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ssd.audit"
    label = "audit"
    verbose_name = "Audit trail"
