"""The annual report of a year (政府信息公开工作年度报告): the office's texts and numbers, the
last computed figures (the draft) and the figures as published. Imported by ``models.py``
so Django registers it with the app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The six sections of the format, in order: (field name, heading as published).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("overview", "一、总体情况"),
    ("proactive", "二、主动公开政府信息情况"),
    ("applications", "三、收到和处理政府信息公开申请情况"),
    ("reviews", "四、政府信息公开行政复议、行政诉讼情况"),
    ("problems", "五、存在的主要问题及改进情况"),
    ("other_matters", "六、其他需要报告的事项"),
)

# Table 二's rows the office enters: (field name, row label, column label).
ENTERED: tuple[tuple[str, str, str], ...] = (
    ("licensing", "行政许可", "本年处理决定数量"),
    ("punishment", "行政处罚", "本年处理决定数量"),
    ("enforcement", "行政强制", "本年处理决定数量"),
    ("fees", "行政事业性收费", "本年收费金额（单位：万元）"),
)


class AnnualReport(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)

    overview = models.TextField(_("1. Overview"), blank=True)
    proactive = models.TextField(_("2. Proactive disclosure"), blank=True)
    applications = models.TextField(_("3. Applications received and handled"), blank=True)
    reviews = models.TextField(_("4. Reconsideration and litigation"), blank=True)
    problems = models.TextField(_("5. Main problems and improvements"), blank=True)
    other_matters = models.TextField(_("6. Other matters to report"), blank=True)

    licensing = models.PositiveIntegerField(_("administrative licensing decisions"), default=0)
    punishment = models.PositiveIntegerField(_("administrative penalty decisions"), default=0)
    enforcement = models.PositiveIntegerField(_("administrative compulsion decisions"), default=0)
    fees = models.DecimalField(
        _("administrative fees (10,000 yuan)"), max_digits=12, decimal_places=4, default=0
    )

    figures = models.JSONField(_("figures of the draft"), default=dict, blank=True)
    generated_at = models.DateTimeField(_("figures computed at"), null=True, blank=True)

    published_figures = models.JSONField(_("figures as published"), default=dict, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    page = models.ForeignKey(
        "cms.ArticlePage",
        verbose_name=_("published page"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")

    def __str__(self) -> str:
        return str(self.year)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def entered(self) -> dict:
        return {name: getattr(self, name) for name, _row, _col in ENTERED}

    def texts(self) -> dict[str, str]:
        return {name: getattr(self, name) for name, _heading in SECTIONS}
