from django.apps import AppConfig

# The guard contract's codename on schools: contract roles see every school, for contract matters
# only (never narratives or student data); personnel.scope grants it through their posts.
SCHOOL_PERMS = {"monitor_school_contract": "Can see guard-contract matters at the school"}


class ContractsConfig(AppConfig):
    name = "contracts"

    def ready(self) -> None:
        from personnel.models import CONTRACT_ROLES
        from personnel.scope import register_school_perms

        register_school_perms(
            app="contracts",
            perms=SCHOOL_PERMS,
            grants={role: {"monitor_school_contract"} for role in CONTRACT_ROLES},
        )
