"""Accounts: the user, the org tree, role assignments and login records."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from edu_portal.accounts.roles import STAFF_ROLES, Role


class OrgUnit(MP_Node):
    """A node of the organisation: bureau → departments; schools → grades → classes."""

    class Kind(models.TextChoices):
        BUREAU = "bureau", _("Education bureau")
        DEPARTMENT = "department", _("Department")
        SCHOOL = "school", _("School")
        GRADE = "grade", _("Grade")
        CLASS = "class", _("Class")

    # Which kinds may sit directly under which; checked by actions.create_org_unit.
    ALLOWED_PARENTS: dict[str, tuple[str | None, ...]] = {
        Kind.BUREAU: (None,),
        Kind.DEPARTMENT: (Kind.BUREAU, Kind.DEPARTMENT),
        Kind.SCHOOL: (Kind.BUREAU,),
        Kind.GRADE: (Kind.SCHOOL,),
        Kind.CLASS: (Kind.GRADE,),
    }

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    code = models.SlugField(_("code"), max_length=60, unique=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    duties = models.TextField(_("duties"), blank=True)
    # Shown on the portal's department pages (机关处室), typed here only.
    address = models.CharField(_("address"), max_length=200, blank=True)
    head = models.CharField(_("head"), max_length=60, blank=True)

    node_order_by = ["kind", "name"]

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")

    def __str__(self) -> str:
        return self.name

    def contains(self, other: OrgUnit) -> bool:
        """True when ``other`` is this unit or lies below it."""
        return other.path.startswith(self.path)


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("organisation unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    remote_access = models.BooleanField(
        _("remote access"),
        default=False,
        help_text=_("May open intranet-only resources from outside the education intranet."),
    )
    # Set when an administrator hands out a password (a pupil's printed sheet): the person
    # is sent to the password-change page until they choose their own.
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Asked to choose a new password at the next sign-in."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    def role_set(self) -> set[str]:
        if not self.is_authenticated:
            return set()
        cached = getattr(self, "_role_cache", None)
        if cached is None:
            cached = set(self.role_assignments.values_list("role", flat=True))
            self._role_cache = cached
        return cached

    @property
    def is_staff_member(self) -> bool:
        """Staff of the bureau or a school (not a student or guardian)."""
        return self.is_superuser or bool(self.role_set() & STAFF_ROLES)


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("organisation unit"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("granted by"),
    )
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "org_unit"], name="unique_role_per_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.org_unit}"


class LoginRecord(models.Model):
    """One login attempt, successful or not, wherever it came from (site, admin, API)."""

    class Result(models.TextChoices):
        SUCCESS = "success", _("Success")
        BAD_CREDENTIALS = "bad_credentials", _("Wrong username or password")
        # Locked for the address it came from (or slowed down there for a few seconds).
        LOCKED = "locked", _("Refused: account locked")
        # The sign-in page asked for the proof-of-work check and it was missing or wrong;
        # the password was not checked.
        CHALLENGE = "challenge", _("Refused: robot check not completed")
        INACTIVE = "inactive", _("Refused: account disabled")
        # Right password, but the account may not use this door (e.g. the admin site).
        REFUSED = "refused", _("Refused: no access here")
        # Not an attempt: an administrator lifted the lock; failures before it no longer count.
        UNLOCKED = "unlocked", _("Unlocked by an administrator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="login_records",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, db_index=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("login record")
        verbose_name_plural = _("login records")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["username", "created_at"], name="login_user_time"),
            models.Index(fields=["ip", "created_at"], name="login_ip_time"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.get_result_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def success(self) -> bool:
        return self.result == self.Result.SUCCESS


class StudentProfile(models.Model):
    """A pupil's school record: the student number (学号) is unique within one school only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("student"),
        on_delete=models.CASCADE,
        related_name="student_profile",
    )
    school = models.ForeignKey(
        OrgUnit,
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="student_profiles",
    )
    student_number = models.CharField(_("student number"), max_length=32)

    class Meta:
        verbose_name = _("student record")
        verbose_name_plural = _("student records")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "student_number"], name="unique_student_number_per_school"
            )
        ]

    def __str__(self) -> str:
        return f"{self.student_number} {self.user}"


class GuardianLink(models.Model):
    """A guardian's tie to one of their own children (not to a class).

    A guardian may have several children, in different classes and schools; a child may
    have several guardians. ``receives_notices`` is False for a guardian who must not be
    sent the child's notices (a court order, for instance): recipient lists use
    :func:`guardians_of` with ``for_notices=True``.
    """

    class Relation(models.TextChoices):
        FATHER = "father", _("Father")
        MOTHER = "mother", _("Mother")
        PATERNAL_GRANDFATHER = "paternal_grandfather", _("Paternal grandfather")
        PATERNAL_GRANDMOTHER = "paternal_grandmother", _("Paternal grandmother")
        MATERNAL_GRANDFATHER = "maternal_grandfather", _("Maternal grandfather")
        MATERNAL_GRANDMOTHER = "maternal_grandmother", _("Maternal grandmother")
        OTHER = "other", _("Other guardian")

    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("guardian"),
        on_delete=models.CASCADE,
        related_name="children_links",
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("student"),
        on_delete=models.CASCADE,
        related_name="guardian_links",
    )
    relation = models.CharField(_("relation"), max_length=30, choices=Relation.choices)
    receives_notices = models.BooleanField(
        _("receives notices"),
        default=True,
        help_text=_(
            "Clear this for a guardian who must not receive the child's notices "
            "(for example by a court order)."
        ),
    )
    created_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("guardian link")
        verbose_name_plural = _("guardian links")
        ordering = ["student_id", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["guardian", "student"], name="unique_guardian_link")
        ]

    def __str__(self) -> str:
        return f"{self.guardian} · {self.get_relation_display()} · {self.student}"


def children_of(guardian) -> models.QuerySet:
    """The guardian's children (users), whatever class or school they are in."""
    return User.objects.filter(guardian_links__guardian=guardian).select_related("org_unit")


def guardians_of(student, for_notices: bool = True) -> models.QuerySet:
    """The student's guardians; with ``for_notices`` only active ones who may receive
    notices (the recipients of the child's notices)."""
    links = GuardianLink.objects.filter(student=student)
    guardians = User.objects.all()
    if for_notices:
        # A locked account receives nothing either.
        links = links.filter(receives_notices=True)
        guardians = guardians.filter(is_active=True)
    return guardians.filter(pk__in=links.values("guardian_id"))
