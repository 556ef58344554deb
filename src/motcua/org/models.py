"""Organisations: administrative units, agencies, their units and reception points, staff and roles."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, router
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.core import rows
from motcua.core.text import fold, person_name

AGENCY_IDENTIFIER_PATTERN = r"^\d{3}\.\d{2}\.\d{2}\.[GH]\d{2}\Z"  # \Z: `$` would accept a trailing newline
AGENCY_IDENTIFIER_RE = re.compile(AGENCY_IDENTIFIER_PATTERN)
agency_identifier_validator = RegexValidator(
    AGENCY_IDENTIFIER_PATTERN,
    _("Mã định danh phải có dạng 000.00.00.H21 (bốn nhóm số, nhóm cuối Gxx hoặc Hxx)."),
)


class AdministrativeUnit(models.Model):
    """Đơn vị hành chính: a province-level unit or a commune-level unit (xã, phường, đặc khu)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Cấp tỉnh")
        DISTRICT = "district", _("Cấp huyện (trước 1/7/2025)")
        COMMUNE = "commune", _("Cấp xã")

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Tỉnh")
        MUNICIPALITY = "municipality", _("Thành phố trực thuộc trung ương")
        DISTRICT = "district", _("Huyện, quận, thị xã, thành phố thuộc tỉnh")
        COMMUNE = "commune", _("Xã")
        WARD = "ward", _("Phường")
        SPECIAL_ZONE = "special_zone", _("Đặc khu")
        TOWNSHIP = "township", _("Thị trấn")

    code = models.CharField(_("mã"), max_length=10, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    codename = models.CharField(_("tên mã"), max_length=200, blank=True)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("trực thuộc"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    effective_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    effective_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị kế thừa"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        help_text=_("Đơn vị mới sau sáp nhập, nếu đơn vị này đã hết hiệu lực."),
    )

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_from__isnull=True)
                | Q(effective_to__gt=models.F("effective_from")),
                name="adminunit_effective_range",
            ),
            models.CheckConstraint(condition=~Q(successor=models.F("pk")), name="adminunit_not_own_successor"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.effective_to is None

    def province(self) -> AdministrativeUnit:
        unit = self
        while unit.parent_id is not None and unit.level != self.Level.PROVINCE:
            assert unit.parent is not None
            unit = unit.parent
        return unit


class Agency(models.Model):
    """Cơ quan: an agency with an electronic identifier (mã định danh điện tử, QĐ 20/2020)."""

    class Level(models.TextChoices):
        CENTRAL = "central", _("Trung ương")
        PROVINCE = "province", _("Cấp tỉnh")
        COMMUNE = "commune", _("Cấp xã")

    class Kind(models.TextChoices):
        PEOPLES_COMMITTEE = "peoples_committee", _("Ủy ban nhân dân tỉnh")
        DEPARTMENT = "department", _("Sở, ban, ngành")
        SERVICE_CENTRE = "service_centre", _("Trung tâm Phục vụ hành chính công")
        COMMUNE_COMMITTEE = "commune_committee", _("Ủy ban nhân dân cấp xã")
        VERTICAL_AGENCY = "vertical_agency", _("Cơ quan ngành dọc")
        PUBLIC_SERVICE_ENTERPRISE = "public_service_enterprise", _("Doanh nghiệp cung cấp dịch vụ công")

    code = models.CharField(
        _("mã định danh điện tử"), max_length=20, unique=True, validators=[agency_identifier_validator]
    )
    name = models.CharField(_("tên cơ quan"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=100, blank=True)
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)
    kind = models.CharField(_("loại cơ quan"), max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("cơ quan cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    administrative_unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("địa bàn phục vụ"), on_delete=models.PROTECT, related_name="agencies"
    )
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    website = models.URLField(_("trang thông tin"), blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    search_text = models.CharField(max_length=300, editable=False, default="")

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="agency_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = fold(f"{self.code} {self.name} {self.short_name}")
        super().save(*args, **kwargs)

    @property
    def is_service_centre(self) -> bool:
        return self.kind == self.Kind.SERVICE_CENTRE

    def clean(self) -> None:
        super().clean()
        if self.parent_id is not None and self.pk is not None:
            seen = {self.pk}
            node = self.parent
            while node is not None:
                if node.pk in seen:
                    raise ValidationError({"parent": _("Cơ quan cấp trên tạo thành vòng lặp.")})
                seen.add(node.pk)
                node = node.parent


class OrganisationalUnit(models.Model):
    """Phòng, ban: a unit inside an agency."""

    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="units")
    code = models.CharField(_("mã"), max_length=30)
    name = models.CharField(_("tên"), max_length=255)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("phòng, đơn vị")
        verbose_name_plural = _("phòng, đơn vị")
        ordering = ["agency", "code"]
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="unit_code_unique_in_agency")]

    def __str__(self) -> str:
        return self.name


class ReceptionPoint(models.Model):
    """Điểm tiếp nhận: a site or extra reception point of a service centre."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("trung tâm"), on_delete=models.CASCADE, related_name="reception_points"
    )
    code = models.CharField(_("mã"), max_length=30)
    name = models.CharField(_("tên"), max_length=255)
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    administrative_unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("địa bàn"), null=True, blank=True, on_delete=models.PROTECT
    )
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    opening_hours = models.CharField(_("giờ tiếp nhận"), max_length=255, blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("điểm tiếp nhận")
        verbose_name_plural = _("điểm tiếp nhận")
        ordering = ["agency", "code"]
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="reception_point_code_unique")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.agency_id is not None and self.agency.kind != Agency.Kind.SERVICE_CENTRE:
            raise ValidationError({"agency": _("Điểm tiếp nhận phải thuộc một Trung tâm Phục vụ hành chính công.")})


class Role(models.TextChoices):
    """Vai trò của cán bộ."""

    ONE_STOP_OFFICER = "one_stop_officer", _("Cán bộ Bộ phận Một cửa")
    SPECIALIST = "specialist", _("Chuyên viên")
    DIVISION_HEAD = "division_head", _("Lãnh đạo phòng")
    AGENCY_LEADER = "agency_leader", _("Lãnh đạo cơ quan")
    AGENCY_ADMIN = "agency_admin", _("Quản trị cơ quan")
    PROVINCE_ADMIN = "province_admin", _("Quản trị cấp tỉnh")
    MONITOR = "monitor", _("Giám sát, báo cáo")


class Staff(models.Model):
    """Cán bộ, công chức: a user working for an agency (and a unit in it) with one or more roles."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("tài khoản"), on_delete=models.CASCADE, related_name="staff"
    )
    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="staff")
    unit = models.ForeignKey(
        OrganisationalUnit,
        verbose_name=_("phòng"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    position = models.CharField(_("chức vụ"), max_length=150, blank=True)
    is_active = models.BooleanField(_("đang công tác"), default=True)

    class Meta:
        verbose_name = _("cán bộ")
        verbose_name_plural = _("cán bộ")
        ordering = ["agency", "user__username"]

    def __str__(self) -> str:
        return person_name(self.user)

    def clean(self) -> None:
        super().clean()
        if self.unit is not None and self.agency_id is not None and self.unit.agency_id != self.agency_id:
            raise ValidationError({"unit": _("Phòng phải thuộc cơ quan của cán bộ.")})

    @property
    def role_set(self) -> frozenset[str]:
        cached: frozenset[str] | None = getattr(self, "_role_cache", None)
        if cached is None:
            # asked on every staff request: compiled once (the ORM took 0.4 ms to compile it; core/rows.py)
            using = self._state.db or router.db_for_read(StaffRole)
            cached = frozenset(_ROLES.all(using, staff=self.pk))
            self._role_cache = cached
        return cached


_ROLES = rows.Prepared(
    lambda: StaffRole.objects.filter(staff=rows.param(StaffRole, "staff")).values_list("role", flat=True)
)


class _Joined(models.Aggregate):
    """The values of a text column joined by commas, in no particular order (string_agg; SQLite's
    group_concat)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = models.TextField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="GROUP_CONCAT", **extra)


def roles_of(staff: str) -> models.Subquery:
    """The roles of the staff record at `staff` (a path from the outer query's model, `OuterRef`) as one
    text, to read them with the staff record in one statement: `remember_roles` then caches them as
    `Staff.role_set` would read them (every back-office request asks for them)."""
    joined = (
        StaffRole.objects.filter(staff=models.OuterRef(staff))
        .order_by()
        .values("staff")
        .annotate(joined=_Joined("role"))
        .values("joined")
    )
    return models.Subquery(joined, output_field=models.TextField())


def remember_roles(staff: Staff, joined: str | None) -> None:
    """Cache on `staff` the roles `roles_of` read (None: it has none); role values hold no comma."""
    staff._role_cache = frozenset(joined.split(",")) if joined else frozenset()


class StaffRole(models.Model):
    staff = models.ForeignKey(Staff, verbose_name=_("cán bộ"), on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("vai trò"), max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = _("vai trò")
        verbose_name_plural = _("vai trò")
        constraints = [models.UniqueConstraint(fields=["staff", "role"], name="staff_role_unique")]

    def __str__(self) -> str:
        return self.get_role_display()
