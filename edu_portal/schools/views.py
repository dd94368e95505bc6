"""Pages of the school administration console and the guardian's "my children" page.

Thin: each view finds the school (404 outside the actor's schools), parses a form, calls
one action of ``schools.actions`` and renders. Sheets of initial passwords are rendered as
the answer to the POST that made them and never stored.
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from edu_portal.accounts import permissions
from edu_portal.accounts.models import GuardianLink, OrgUnit, User
from edu_portal.accounts.roles import Role
from edu_portal.schools import actions, forms, privacy, roster

SESSION_KEY = "schools:roster:%d"


def _school(request: HttpRequest, school_id: int) -> OrgUnit:
    if not permissions.has_perm(request.user, "users.manage"):
        raise PermissionDenied(_("Only school administrators can use the school console."))
    return get_object_or_404(actions.managed_schools(request.user), pk=school_id)


def _unit(school: OrgUnit, unit_id: int) -> OrgUnit:
    return get_object_or_404(
        OrgUnit.objects.filter(path__startswith=school.path).exclude(pk=school.pk), pk=unit_id
    )


def _person(school: OrgUnit, user_id: int) -> User:
    return get_object_or_404(actions.school_people(school), pk=user_id)


def _errors(exc: ValidationError) -> list[str]:
    return [str(message) for message in exc.messages]


def _sheet(request, school, credentials, title, unit=None, plan=None) -> HttpResponse:
    response = render(
        request,
        "schools/sheet.html",
        {
            "school": school,
            "credentials": credentials,
            "title": title,
            "unit": unit,
            "plan": plan,
        },
    )
    # Shown once: neither the browser nor a proxy may keep the passwords.
    response["Cache-Control"] = "no-store"
    return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if not permissions.has_perm(request.user, "users.manage"):
        raise PermissionDenied(_("Only school administrators can use the school console."))
    schools = list(actions.managed_schools(request.user).order_by("name"))
    if len(schools) == 1:
        return redirect("schools:school", school_id=schools[0].pk)
    query = request.GET.get("q", "").strip()
    if query:
        schools = [s for s in schools if query in s.name]
    return render(request, "schools/pick.html", {"schools": schools, "query": query})


@login_required
def school(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school(request, school_id)
    units = OrgUnit.objects.filter(path__startswith=school.path).exclude(pk=school.pk)
    counts = dict(
        User.objects.filter(org_unit__in=units, role_assignments__role=Role.STUDENT)
        .values_list("org_unit")
        .annotate(n=Count("pk", distinct=True))
    )
    grades = []
    for grade in units.filter(kind=OrgUnit.Kind.GRADE).order_by("name"):
        classes = [
            {"unit": c, "students": counts.get(c.pk, 0)}
            for c in units.filter(kind=OrgUnit.Kind.CLASS, path__startswith=grade.path).order_by(
                "name"
            )
        ]
        grades.append({"unit": grade, "classes": classes})
    totals = {kind: actions.people_of_kind(school, kind).count() for kind in actions.PERSON_KINDS}
    return render(
        request,
        "schools/school.html",
        {
            "school": school,
            "grades": grades,
            "totals": totals,
            "many_schools": actions.managed_schools(request.user).count() > 1,
        },
    )


@login_required
@require_POST
def unit_create(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school(request, school_id)
    form = forms.NewUnitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give the unit a name."))
        return redirect("schools:school", school_id=school.pk)
    parent_id = form.cleaned_data["parent"]
    parent = school if parent_id == school.pk else _unit(school, parent_id)
    try:
        unit = actions.create_unit(request.user, parent, form.cleaned_data["name"])
    except (ValidationError, PermissionDenied) as exc:
        for message in _errors(exc) if isinstance(exc, ValidationError) else [str(exc)]:
            messages.error(request, message)
    else:
        messages.success(request, _("“%(unit)s” was created.") % {"unit": unit})
    return redirect("schools:school", school_id=school.pk)


@login_required
def unit(request: HttpRequest, school_id: int, unit_id: int) -> HttpResponse:
    school = _school(request, school_id)
    unit = _unit(school, unit_id)
    form = forms.UnitNameForm(initial={"name": unit.name})
    if request.method == "POST":
        try:
            if request.POST.get("action") == "delete":
                actions.delete_unit(request.user, unit)
                messages.success(request, _("“%(unit)s” was deleted.") % {"unit": unit})
                return redirect("schools:school", school_id=school.pk)
            form = forms.UnitNameForm(request.POST)
            if form.is_valid():
                actions.rename_unit(request.user, unit, form.cleaned_data["name"])
                messages.success(request, _("The name was saved."))
                return redirect("schools:unit", school_id=school.pk, unit_id=unit.pk)
        except ValidationError as exc:
            for message in _errors(exc):
                messages.error(request, message)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
    students = actions.people_of_kind(school, "student", unit).order_by("display_name")
    return render(
        request,
        "schools/unit.html",
        {"school": school, "unit": unit, "form": form, "students": students},
    )


@login_required
def people(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school(request, school_id)
    kind = request.GET.get("kind", "student")
    if kind not in actions.PERSON_KINDS:
        kind = "student"
    unit = None
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        unit = _unit(school, int(unit_id))
    users = actions.people_of_kind(school, kind, unit).select_related("org_unit")
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(
            Q(display_name__icontains=query)
            | Q(username__iexact=query)
            | Q(student_profile__student_number=query)
        )
    page = Paginator(users.order_by("display_name", "username"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "schools/people.html",
        {
            "school": school,
            "kind": kind,
            "kinds": forms.PersonForm.KIND_CHOICES,
            "unit": unit,
            "classes": forms.class_choices(school),
            "query": query,
            "page": page,
        },
    )


@login_required
@never_cache
def person_create(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school(request, school_id)
    initial = {"kind": request.GET.get("kind", "student")}
    if request.GET.get("unit", "").isdigit():
        initial["unit"] = int(request.GET["unit"])
    form = forms.PersonForm(request.POST or None, school=school, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = _unit(school, data["unit"]) if data["unit"] else None
        try:
            credential = actions.create_person(
                request.user,
                school,
                data["kind"],
                display_name=data["display_name"],
                username=data["username"],
                phone=data["phone"],
                student_number=data["student_number"],
                unit=unit,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            return _sheet(request, school, [credential], _("New account"))
    return render(request, "schools/person_form.html", {"school": school, "form": form})


@login_required
def person(request: HttpRequest, school_id: int, user_id: int) -> HttpResponse:
    school = _school(request, school_id)
    user = _person(school, user_id)
    profile = getattr(user, "student_profile", None)
    # The phone number is not in the page until it is shown in full (a logged POST):
    # the form is then rendered with it, and a form posted without it keeps the number.
    form = forms.PersonEditForm(
        initial={
            "display_name": user.display_name,
            "student_number": profile.student_number if profile else "",
        }
    )
    if request.method == "POST":
        form = forms.PersonEditForm(request.POST)
        if form.is_valid():
            phone = form.cleaned_data["phone"] if "phone" in request.POST else user.phone
            try:
                actions.update_person(
                    request.user,
                    school,
                    user,
                    display_name=form.cleaned_data["display_name"],
                    phone=phone,
                    student_number=form.cleaned_data["student_number"] or None,
                )
            except ValidationError as exc:
                for message in _errors(exc):
                    form.add_error(None, message)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The changes were saved."))
                return redirect("schools:person", school_id=school.pk, user_id=user.pk)
    return _person_page(request, school, user, form)


def _person_page(request, school: OrgUnit, user: User, form, revealed=None) -> HttpResponse:
    """The person's page; ``revealed`` holds the full contact details when they were asked
    for (and logged), else the page shows them masked."""
    profile = getattr(user, "student_profile", None)
    roles = user.role_set()
    if roles & {Role.STUDENT, Role.GUARDIAN}:
        actions.log_personal_data_access(request.user, user)
    guardians = GuardianLink.objects.filter(student=user).select_related("guardian")
    # A guardian may have children at other schools too: those are not this school's to see.
    children = GuardianLink.objects.filter(
        guardian=user, student__org_unit__path__startswith=school.path
    ).select_related("student__org_unit")
    has_contact = bool(user.phone or user.email or privacy.looks_like_phone(user.username))
    response = render(
        request,
        "schools/person.html",
        {
            "school": school,
            "person": user,
            "profile": profile,
            "is_student": Role.STUDENT in roles,
            "form": form,
            "guardians": guardians,
            "children": children,
            "move_form": forms.MoveForm(school=school, initial={"unit": user.org_unit_id}),
            "link_form": forms.LinkForm(),
            "revealed": revealed,
            "account_name": user.username if revealed else privacy.mask_account_name(user.username),
            "contact": revealed or privacy.masked_contact(user),
            "has_contact": has_contact,
        },
    )
    if revealed:
        # Shown once, to this POST: neither the browser nor a proxy may keep it.
        response["Cache-Control"] = "no-store"
    return response


def _reveal(request, school: OrgUnit, user: User) -> HttpResponse:
    revealed = privacy.reveal_contact(request.user, user, where="schools.person")
    profile = getattr(user, "student_profile", None)
    form = forms.PersonEditForm(
        initial={
            "display_name": user.display_name,
            "phone": user.phone,
            "student_number": profile.student_number if profile else "",
        }
    )
    return _person_page(request, school, user, form, revealed=revealed)


@login_required
@require_POST
@never_cache
def person_action(request: HttpRequest, school_id: int, user_id: int, action: str):
    school = _school(request, school_id)
    user = _person(school, user_id)
    back = redirect("schools:person", school_id=school.pk, user_id=user.pk)
    try:
        if action == "reveal":
            return _reveal(request, school, user)
        if action == "reset":
            credentials = actions.reset_passwords(request.user, [user])
            return _sheet(request, school, credentials, _("New password"))
        if action == "lock":
            actions.lock(request.user, user)
            messages.success(request, _("%(user)s can no longer sign in.") % {"user": user})
        elif action == "unlock":
            actions.unlock(request.user, user)
            messages.success(request, _("%(user)s can sign in again.") % {"user": user})
        elif action == "move":
            form = forms.MoveForm(request.POST, school=school)
            if form.is_valid():
                actions.move_student(request.user, user, _unit(school, form.cleaned_data["unit"]))
                messages.success(request, _("The class was changed."))
        elif action == "link":
            _link(request, school, user)
        elif action == "unlink":
            guardian = get_object_or_404(User, pk=request.POST.get("guardian", 0) or 0)
            if actions.account_actions.unlink_guardian(request.user, guardian, user):
                messages.success(request, _("The guardian was unlinked."))
        else:
            raise Http404
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return back


def _link(request, school: OrgUnit, student: User) -> None:
    form = forms.LinkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return
    data = form.cleaned_data
    link, created = actions.link_guardian_by_phone(
        request.user,
        school,
        student,
        data["phone"].replace(" ", ""),
        data["guardian_name"],
        data["relation"],
        receives_notices=data["receives_notices"],
    )
    guardian = link.guardian
    if created:
        messages.info(
            request,
            _(
                "A guardian account %(username)s was created; reset its password to print "
                "the sign-in sheet."
            )
            % {"username": guardian.username},
        )
    messages.success(request, _("%(guardian)s was linked.") % {"guardian": guardian})


@login_required
@require_POST
@never_cache
def class_reset(request: HttpRequest, school_id: int, unit_id: int) -> HttpResponse:
    school = _school(request, school_id)
    unit = _unit(school, unit_id)
    students = list(actions.people_of_kind(school, "student", unit).order_by("username"))
    if not students:
        messages.error(request, _("This class has no students."))
        return redirect("schools:unit", school_id=school.pk, unit_id=unit.pk)
    try:
        credentials = actions.reset_passwords(request.user, students)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(
            request, " ".join(_errors(exc)) if isinstance(exc, ValidationError) else str(exc)
        )
        return redirect("schools:unit", school_id=school.pk, unit_id=unit.pk)
    return _sheet(request, school, credentials, _("New passwords"), unit)


# Seconds a roster preview may wait for its confirmation.
PREVIEW_LIFETIME = 30 * 60


@login_required
@never_cache
def roster_import(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school(request, school_id)
    key = SESSION_KEY % school.pk
    form = forms.RosterUploadForm(school=school)
    context = {"school": school, "form": form}
    if request.method == "POST" and request.POST.get("step") == "confirm":
        stored = request.session.get(key)
        if stored and time.time() - stored.get("at", 0) > PREVIEW_LIFETIME:
            # Pupils' names and guardians' phones wait in the session only as long as a
            # person takes to read the preview; an abandoned one is dropped.
            del request.session[key]
            stored = None
        if not stored:
            messages.error(request, _("The preview has expired. Upload the file again."))
            return redirect("schools:import", school_id=school.pk)
        default = _unit(school, stored["unit"]) if stored["unit"] else None
        try:
            result = actions.import_roster(
                request.user, school, roster.rows_from_dicts(stored["rows"]), default
            )
        except actions.RosterErrors as exc:
            context.update(plan=exc.plan, filename=stored["name"])
            messages.error(request, exc.messages[0])
            return render(request, "schools/import.html", context)
        del request.session[key]
        return _sheet(request, school, result.credentials, _("Roster imported"), plan=result.plan)
    if request.method == "POST":
        form = forms.RosterUploadForm(request.POST, request.FILES, school=school)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            default = (
                _unit(school, form.cleaned_data["unit"]) if form.cleaned_data["unit"] else None
            )
            try:
                rows = roster.read_roster(upload.name, upload.read(roster.MAX_BYTES + 1))
            except roster.RosterFileError as exc:
                form.add_error("file", str(exc))
            else:
                plan = roster.plan_import(school, rows, default)
                request.session[key] = {
                    "rows": [row.as_dict() for row in rows],
                    "unit": default.pk if default else None,
                    "name": upload.name,
                    "at": time.time(),
                }
                context.update(plan=plan, filename=upload.name)
    return render(request, "schools/import.html", context)


@login_required
def children(request: HttpRequest) -> HttpResponse:
    links = (
        GuardianLink.objects.filter(guardian=request.user)
        .select_related("student__org_unit")
        .order_by("student__display_name")
    )
    items = []
    for link in links:
        unit = link.student.org_unit
        grade = unit.get_parent() if unit is not None and unit.kind == OrgUnit.Kind.CLASS else None
        items.append(
            {
                "link": link,
                "student": link.student,
                "school": actions.school_of(unit),
                "grade": grade,
                "unit": unit,
            }
        )
    return render(request, "schools/children.html", {"items": items})
