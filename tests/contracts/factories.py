"""A small guard contract at real schools: the personas' Roosevelt HS (4D) in one cluster, Anacostia
HS (7D) in another, each with a post and a guard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from contracts import services
from contracts.models import (
    Cluster,
    Contract,
    Contractor,
    ContractorAccount,
    DeductionRate,
    DiscrepancyType,
    Guard,
    Post,
    Severity,
)
from tests.factories import UserFactory


def make_contract(*, starts_on: dt.date | None = None, by=None) -> Contract:
    today = timezone.localdate()
    contractor, _ = Contractor.objects.get_or_create(name="Capitol Guard Services LLC")
    contract, _ = Contract.objects.get_or_create(
        number="DCPS-SEC-2025-001",
        defaults={
            "contractor": contractor,
            "starts_on": starts_on or dt.date(today.year - 1, 7, 1),
            "base_ends_on": dt.date(today.year + 1, 6, 30),
            "value": Decimal("1000000.00"),
            "shortfall_rate_per_hour": Decimal("40.00"),
            "late_remedy_rate_per_day": Decimal("25.00"),
        },
    )
    for t in DiscrepancyType.values:
        for s, amount in ((Severity.LOW, "50.00"), (Severity.MEDIUM, "150.00"), (Severity.HIGH, "500.00")):
            DeductionRate.objects.get_or_create(
                contract=contract, type=t, severity=s, defaults={"amount": Decimal(amount)}
            )
    return contract


def make_supervisor(username: str, contract: Contract) -> ContractorAccount:
    user = UserFactory(username=username)
    return ContractorAccount.objects.get_or_create(user=user, defaults={"contractor": contract.contractor})[0]


def make_cluster(contract: Contract, name: str, schools, supervisor: ContractorAccount | None, by=None) -> Cluster:
    cluster, _ = Cluster.objects.get_or_create(contract=contract, name=name, defaults={"supervisor": supervisor})
    for school in schools:
        services.cluster_add_school(cluster=cluster, school=school, by=by)
    return cluster


def make_post(
    contract: Contract,
    school,
    *,
    name: str = "Main entrance screening",
    by=None,
    weekdays: str = "0123456",
    starts_at=dt.time(7, 0),
    ends_at=dt.time(15, 0),
    guards_required: int = 1,
) -> Post:
    existing = Post.objects.filter(contract=contract, school=school, name=name).first()
    if existing:
        return existing
    return services.post_create(
        contract=contract,
        school=school,
        name=name,
        weekdays=weekdays,
        starts_at=starts_at,
        ends_at=ends_at,
        guards_required=guards_required,
        starts_on=contract.starts_on,
        by=by,
        orders="Screen every visitor; sign the log book at every change of post.",
    )


_licence = iter(range(100000, 999999))


def make_guard(contract: Contract, name: str = "Guard", *, expires_in_days: int = 365) -> Guard:
    return services.guard_create(
        contractor=contract.contractor,
        name=f"{name} {next(_licence)}",
        licence_number=f"SPO-{next(_licence)}",
        licence_type="spo",
        licence_expires_on=timezone.localdate() + dt.timedelta(days=expires_in_days),
        by=None,
    )


class World:
    """The contract around the personas."""

    def __init__(self, personas):
        self.contract = make_contract()
        self.supervisor = getattr(personas, "cluster_supervisor", None) or make_supervisor("cs.north", self.contract)
        self.other_supervisor = make_supervisor("cs.east", self.contract)
        self.cluster = make_cluster(self.contract, "North", [personas.school], self.supervisor)
        self.other_cluster = make_cluster(self.contract, "East", [personas.other_school], self.other_supervisor)
        self.post = make_post(self.contract, personas.school)
        self.other_post = make_post(self.contract, personas.other_school)
        self.guard = make_guard(self.contract, "Dana Reyes")
        self.other_guard = make_guard(self.contract, "Lee Park")
        services.guard_assign(guard=self.guard, post=self.post, starts_on=self.contract.starts_on, by=None)
        services.guard_assign(guard=self.other_guard, post=self.other_post, starts_on=self.contract.starts_on, by=None)
