"""A school with two grades, a family with two children in different classes, another
family, and notices "sent" to them: Notice, Recipient and RecipientChild rows made here
directly, as the sending task freezes them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from edu_portal.accounts import actions
from edu_portal.accounts.actions import SYSTEM
from edu_portal.accounts.models import OrgUnit, User
from edu_portal.accounts.roles import Role
from edu_portal.messaging.consent import CONSENT_VERSION
from edu_portal.messaging.models import ChannelPreference, Notice, Recipient, RecipientChild
from tests.people import make_user

Kind = OrgUnit.Kind


@dataclass
class Family:
    school: OrgUnit
    class1: OrgUnit  # 一年级 1班
    class2: OrgUnit  # 三年级 2班
    other_school: OrgUnit
    teacher: User
    ming: User
    hong: User
    mum: User  # guardian of both
    dad: User  # guardian of 小明 only
    other_parent: User  # another family, same school
    other_child: User


def unit(parent, kind, name, code):
    return actions.create_org_unit(SYSTEM, parent, kind, name, code)


def consent(user: User) -> None:
    ChannelPreference.objects.update_or_create(
        user=user,
        defaults={"consent_at": timezone.now(), "consent_version": CONSENT_VERSION},
    )


@pytest.fixture
def family(db) -> Family:
    bureau = unit(None, Kind.BUREAU, "示范县教育局", "bureau")
    school = unit(bureau, Kind.SCHOOL, "城南小学", "cn")
    grade1 = unit(school, Kind.GRADE, "一年级", "cn-g1")
    class1 = unit(grade1, Kind.CLASS, "1班", "cn-g1c1")
    grade3 = unit(school, Kind.GRADE, "三年级", "cn-g3")
    class2 = unit(grade3, Kind.CLASS, "2班", "cn-g3c2")
    other_school = unit(bureau, Kind.SCHOOL, "城北小学", "cb")
    ming = make_user("ming", Role.STUDENT, class1, display_name="张小明")
    hong = make_user("hong", Role.STUDENT, class2, display_name="张小红")
    other_child = make_user("li", Role.STUDENT, class1, display_name="李小华")
    mum = make_user("13800000001", None, school, display_name="王芳", phone="13800000001")
    dad = make_user("13800000002", None, school, display_name="张伟", phone="13800000002")
    other_parent = make_user("13800000003", None, school, display_name="李强")
    actions.link_guardian(SYSTEM, mum, ming, "mother")
    actions.link_guardian(SYSTEM, mum, hong, "mother")
    actions.link_guardian(SYSTEM, dad, ming, "father")
    actions.link_guardian(SYSTEM, other_parent, other_child, "father")
    for guardian in (mum, dad, other_parent):
        consent(guardian)
    return Family(
        school=school,
        class1=class1,
        class2=class2,
        other_school=other_school,
        teacher=make_user("teacher_zhao", Role.TEACHER, school, display_name="赵老师"),
        ming=ming,
        hong=hong,
        mum=mum,
        dad=dad,
        other_parent=other_parent,
        other_child=other_child,
    )


def send(
    sender: User,
    unit: OrgUnit,
    to: dict[User, list[User]],
    *,
    title: str = "春游通知",
    body: str = "<p>下周三春游，请准备午餐。</p>",
    ack: str = Notice.Ack.READ,
    choices: list[str] | None = None,
    text: bool = False,
    sent_ago: timedelta = timedelta(minutes=5),
) -> Notice:
    """A notice as the sending task leaves it: sent, recipients frozen with their children."""
    sent_at = timezone.now() - sent_ago
    notice = Notice.objects.create(
        sender=sender,
        org_unit=unit,
        title=title,
        body=body,
        ack=ack,
        reply_choices=choices or [],
        reply_text=text,
        channels=["inbox", "sms"],
        state=Notice.State.SENT,
        sending_started_at=sent_at,
        sent_at=sent_at,
        created_at=sent_at,
    )
    for guardian, children in to.items():
        recipient = Recipient.objects.create(notice=notice, user=guardian, created_at=sent_at)
        for child in children:
            RecipientChild.objects.create(
                recipient=recipient,
                student=child,
                class_unit=child.org_unit,
                student_name=child.display_name,
            )
    return notice


@pytest.fixture
def notice_to_family(family) -> Notice:
    return send(
        family.teacher,
        family.school,
        {family.mum: [family.ming, family.hong], family.dad: [family.ming]},
    )


def client_for(user: User, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def recipient(notice: Notice, user: User) -> Recipient:
    return Recipient.objects.get(notice=notice, user=user)


# --- "no English on a Chinese page" -------------------------------------------------------


class _Visible(HTMLParser):
    """The text a reader sees or hears: text nodes outside script/style, and the
    attributes read aloud or shown (title, alt, aria-label, placeholder, value of
    buttons)."""

    SPOKEN = {"title", "alt", "aria-label", "placeholder"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if value and name in self.SPOKEN:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


# The language switcher names English in English, on purpose.
ALLOWED_WORDS = {"English"}


def english_words(html: str) -> set[str]:
    parser = _Visible()
    parser.feed(html)
    text = " ".join(parser.parts)
    return {w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in ALLOWED_WORDS}
