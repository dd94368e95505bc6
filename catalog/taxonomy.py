"""Where a resource belongs: stage → grade → subject, the textbook edition with its units and
lessons as a tree, and the source collection it came from."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node


class Stage(models.TextChoices):
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior high school")
    SENIOR = "senior", _("Senior high school")


# Grades are numbered 1–12 across the stages, as Chinese schools count them.
GRADES: dict[int, tuple[str, object]] = {
    1: (Stage.PRIMARY, _("Grade 1")),
    2: (Stage.PRIMARY, _("Grade 2")),
    3: (Stage.PRIMARY, _("Grade 3")),
    4: (Stage.PRIMARY, _("Grade 4")),
    5: (Stage.PRIMARY, _("Grade 5")),
    6: (Stage.PRIMARY, _("Grade 6")),
    7: (Stage.JUNIOR, _("Grade 7")),
    8: (Stage.JUNIOR, _("Grade 8")),
    9: (Stage.JUNIOR, _("Grade 9")),
    10: (Stage.SENIOR, _("Grade 10")),
    11: (Stage.SENIOR, _("Grade 11")),
    12: (Stage.SENIOR, _("Grade 12")),
}
GRADE_CHOICES = [(number, label) for number, (_stage, label) in GRADES.items()]


def stage_of_grade(grade: int | None) -> str | None:
    return GRADES[grade][0] if grade in GRADES else None


def grades_of_stage(stage: str) -> list[int]:
    return [number for number, (of, _label) in GRADES.items() if of == stage]


class Subject(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    # Which stages teach it (a comma-separated list of Stage values; empty = all).
    stages = models.CharField(_("stages"), max_length=60, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def taught_in(self, stage: str) -> bool:
        return not self.stages or stage in self.stages.split(",")


class Edition(models.Model):
    """A textbook edition (人教版, 苏教版 …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("textbook edition")
        verbose_name_plural = _("textbook editions")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class TextbookNode(MP_Node):
    """A book (edition × subject × grade × term), its units and their lessons."""

    class Kind(models.TextChoices):
        BOOK = "book", _("Textbook")
        UNIT = "unit", _("Unit")
        LESSON = "lesson", _("Lesson")

    ALLOWED_PARENTS = {Kind.BOOK: None, Kind.UNIT: Kind.BOOK, Kind.LESSON: Kind.UNIT}

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    # Denormalised from the book so that any node answers "which subject, which grade".
    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, verbose_name=_("edition"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, verbose_name=_("subject"))
    grade = models.PositiveSmallIntegerField(_("grade"), choices=GRADE_CHOICES)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    node_order_by = ["order", "name"]

    class Meta:
        verbose_name = _("textbook unit or lesson")
        verbose_name_plural = _("textbook units and lessons")

    def __str__(self) -> str:
        return self.name

    @property
    def stage(self) -> str | None:
        return stage_of_grade(self.grade)

    def trail(self) -> list[TextbookNode]:
        """The book, unit and lesson down to this node."""
        return [*self.get_ancestors(), self]


class Collection(models.Model):
    """A source collection (中央电教馆资源, 本地资源 …); administrators add their own.

    ``review_unit`` scopes who may review and publish into it: reviewers must hold
    ``content.review`` at that unit (or above). Without it, the resource's own org unit
    decides.
    """

    slug = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    review_unit = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    builtin = models.BooleanField(_("built in"), default=False, editable=False)

    class Meta:
        verbose_name = _("source collection")
        verbose_name_plural = _("source collections")
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
