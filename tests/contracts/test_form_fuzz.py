"""Hypothesis on the guard-contract forms: whatever is typed (or forged) into the inspection form,
the shift forms, the raise form, the workflow form, the list filters and the report's month, the
answer is a page or a form error, never a 500 and never a half-saved record. Field names are read
from each page's own HTML, so a field added later is fuzzed too."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from contracts import services
from contracts.models import (
    Discrepancy,
    Guard,
    Inspection,
    InspectionItem,
    InspectionPhoto,
    PostAssignment,
    PostOrder,
)
from personnel.models import Rank, Role
from schools.models import School
from tests.conftest import assign
from tests.factories import OfficerFactory, UserFactory
from tests.incidents.factories import png_bytes
from tests.test_form_fuzz import FUZZ, fields_on

from .factories import make_cluster, make_contract, make_guard, make_post, make_supervisor

value = st.one_of(
    st.text(max_size=80),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "on",
            "pass",
            "fail",
            "na",
            "high",
            "send",
            "verify",
            "2026-13",
            "2026-02",
            "25:99",
            "07:00",
            "16:00",
            "2026-13-45",
            "1900-01-01",
            "12/31/2099",
        ]
    ),
)


class TestContractFormsSurviveFuzzing(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        from tests.conftest import ensure_geography

        ensure_geography()
        school = School.objects.get(name="Roosevelt High School")
        cls.sro = OfficerFactory(user=UserFactory(username="fuzz-sro"))
        assign(cls.sro, Role.SRO, school=school)
        cls.sergeant = OfficerFactory(user=UserFactory(username="fuzz-sgt"), rank=Rank.SERGEANT)
        assign(cls.sergeant, Role.SERGEANT, district=school.psa.district)
        cls.cotr = OfficerFactory(user=UserFactory(username="fuzz-cotr"), rank=Rank.CIVILIAN)
        assign(cls.cotr, Role.COTR)
        contract = make_contract()
        cls.contract = contract
        cls.supervisor = make_supervisor("fuzz-cs", contract)
        make_cluster(contract, "North", [school], cls.supervisor)
        cls.post = make_post(contract, school)
        guard = make_guard(contract)
        services.guard_assign(guard=guard, post=cls.post, starts_on=contract.starts_on, by=None)
        day = timezone.localdate() - dt.timedelta(days=1)
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(7)))
        cls.shift = services.shift_record(
            post=cls.post,
            guard=guard,
            signed_in_at=start,
            signed_out_at=start + dt.timedelta(hours=8),
            by=cls.supervisor.user,
        )
        make_guard(contract, "Expired", expires_in_days=-2)
        make_guard(contract, "Free")
        cls.discrepancy = services.discrepancy_raise(
            post=cls.post, type="uniform", severity="low", description="x", by=cls.sro.user
        )

    def _fuzz(self, user, method, url, data):
        self.client.force_login(user)
        response = getattr(self.client, method)(url, data)
        assert response.status_code < 500, (url, data, response.status_code)
        return response

    @FUZZ
    @given(data=st.data())
    def test_inspection_form(self, data):
        url = f"/contracts/posts/{self.post.pk}/inspect/"
        self.client.force_login(self.sro.user)
        names = fields_on(self.client, url)
        before = (Inspection.objects.count(), Discrepancy.objects.count())
        response = self._fuzz(self.sro.user, "post", url, data.draw(st.fixed_dictionaries(dict.fromkeys(names, value))))
        if response.status_code != 302:  # refused: nothing written
            assert (Inspection.objects.count(), Discrepancy.objects.count()) == before
        else:  # accepted: a discrepancy for each failed item, no more, no fewer
            inspection = Inspection.objects.latest("pk")
            failed = inspection.items.filter(result=InspectionItem.Result.FAIL).count()
            assert Discrepancy.objects.filter(inspection=inspection).count() == failed

    @FUZZ
    @given(data=st.data())
    def test_shift_and_raise_forms(self, data):
        self.client.force_login(self.supervisor.user)
        names = fields_on(self.client, f"/contracts/shifts/{self.shift.pk}/correct/")
        for user, url in (
            (self.supervisor.user, f"/contracts/posts/{self.post.pk}/shifts/"),
            (self.sro.user, f"/contracts/shifts/{self.shift.pk}/correct/"),
        ):
            self._fuzz(user, "post", url, data.draw(st.fixed_dictionaries(dict.fromkeys(names, value))))
        self.client.force_login(self.sro.user)
        url = f"/contracts/posts/{self.post.pk}/discrepancies/new/"
        names = fields_on(self.client, url)
        self._fuzz(self.sro.user, "post", url, data.draw(st.fixed_dictionaries(dict.fromkeys(names, value))))

    @FUZZ
    @given(data=st.data())
    def test_workflow_filters_report_and_certify(self, data):
        act = f"/contracts/discrepancies/{self.discrepancy.pk}/act/"
        for user in (self.sergeant.user, self.supervisor.user):
            self._fuzz(
                user,
                "post",
                act,
                data.draw(st.fixed_dictionaries(dict.fromkeys(["action", "comment", "version"], value))),
            )
        self.client.force_login(self.sergeant.user)
        names = fields_on(self.client, "/contracts/discrepancies/") + ["page", "format"]
        self._fuzz(
            self.sergeant.user,
            "get",
            "/contracts/discrepancies/",
            data.draw(st.fixed_dictionaries(dict.fromkeys(names, value))),
        )
        report = data.draw(st.fixed_dictionaries(dict.fromkeys(["month", "contract", "format", "table"], value)))
        self._fuzz(self.cotr.user, "get", "/contracts/report/", report)
        certify = data.draw(st.fixed_dictionaries(dict.fromkeys(["month", "contract", "comment"], value)))
        self._fuzz(self.cotr.user, "post", "/contracts/report/certify/", certify)

    @FUZZ
    @given(data=st.data())
    def test_post_orders_and_assign_forms(self, data):
        """Publishing orders and assigning guards: a new version or assignment only on a redirect."""
        orders = f"/contracts/posts/{self.post.pk}/orders/"
        self.client.force_login(self.cotr.user)
        names = fields_on(self.client, orders)
        before = PostOrder.objects.count()
        response = self._fuzz(
            self.cotr.user, "post", orders, data.draw(st.fixed_dictionaries(dict.fromkeys(names, value)))
        )
        assert PostOrder.objects.count() == before + (response.status_code == 302)
        assign = f"/contracts/posts/{self.post.pk}/assign/"
        names = fields_on(self.client, assign)
        guards = [str(pk) for pk in Guard.objects.values_list("pk", flat=True)[:4]]
        fields = dict.fromkeys(names, value)
        fields["guard"] = st.one_of(value, st.sampled_from(guards))
        before = PostAssignment.objects.count()
        response = self._fuzz(self.cotr.user, "post", assign, data.draw(st.fixed_dictionaries(fields)))
        assert PostAssignment.objects.count() == before + (response.status_code == 302)

    @FUZZ
    @given(
        data=st.data(),
        content=st.one_of(st.binary(max_size=2048), st.just(png_bytes()), st.just(png_bytes()[:40])),
        name=st.text(max_size=40),
    )
    def test_inspection_photos(self, data, content, name):
        """Whatever file is sent as a photo (bytes, name): a page or a form error, never a 500; a
        refusal saves no inspection and no photo."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        url = f"/contracts/posts/{self.post.pk}/inspect/"
        self.client.force_login(self.sro.user)
        form = {f"item_{v}": "pass" for v in ("present", "uniform", "licence", "post_orders", "log_book", "equipment")}
        form["item_other"] = data.draw(st.sampled_from(["pass", "na", "fail", ""]))
        upload = SimpleUploadedFile(
            name or "x", content, content_type=data.draw(st.sampled_from(["image/jpeg", "image/png", ""]))
        )
        before = (Inspection.objects.count(), InspectionPhoto.objects.count())
        response = self._fuzz(self.sro.user, "post", url, {**form, "photos": [upload]})
        if response.status_code != 302:
            assert (Inspection.objects.count(), InspectionPhoto.objects.count()) == before
