"""The five sections of the site, in navigation order.

A section's page is routed under the section's URL name, by the feature app that fills
it or, while none does, by the portal's placeholder view. The titles and descriptions
here are the single source for the navigation, the home page and the page itself (the
context processor finds the current section by URL name), so feature apps never import
this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    url_name: str
    nav_label: Promise
    title: Promise
    summary: Promise
    will_hold: tuple[Promise, ...]
    intranet_only: bool = False


SECTIONS: tuple[Section, ...] = (
    Section(
        url_name="resources",
        nav_label=_("Resources"),
        title=_("Teaching resources"),
        summary=_("Courseware shared by teachers of the county, by subject and grade."),
        will_hold=(
            _("Slides, lesson plans, worksheets and exercises to download"),
            _("Search by subject, grade, textbook edition and chapter"),
            _("Teachers can upload their own courseware for review"),
        ),
    ),
    Section(
        url_name="videos",
        nav_label=_("Videos"),
        title=_("Lesson videos"),
        summary=_("Recorded lessons and micro-lessons, streamed on the education intranet."),
        will_hold=(
            _("Lessons by subject and grade, playable on a phone or computer"),
            _("Picture quality adapts to the speed of your network"),
        ),
        intranet_only=True,
    ),
    Section(
        url_name="ebooks",
        nav_label=_("E-books"),
        title=_("E-books and periodicals"),
        summary=_("Books and periodicals to read online in the browser."),
        will_hold=(
            _("Reading books and reference books for students and teachers"),
            _("School periodicals and selected student writing"),
        ),
        intranet_only=True,
    ),
    Section(
        url_name="disclosure",
        nav_label=_("Disclosure"),
        title=_("Government information disclosure"),
        summary=_("Information the education bureau publishes under the disclosure rules."),
        will_hold=(
            _("Organisation, policies, plans, budgets and enrolment information"),
            _("Apply for information that is not yet published"),
            _("Ask the bureau a question and read its answers"),
        ),
    ),
    Section(
        url_name="notices",
        nav_label=_("Notices"),
        title=_("School notices"),
        summary=_("Notices from schools to parents and guardians."),
        will_hold=(
            _("Notices from your child's school and class"),
            _("Confirm that you have read a notice after signing in"),
        ),
    ),
)

BY_URL_NAME: dict[str, Section] = {section.url_name: section for section in SECTIONS}
