"""Admin for accounts: users, the org tree, role assignments, login records, audit events.

Every change made here is audited by django-auditlog with the admin's account and client
address (accounts.audit.AuditMiddleware). The admin login uses the same throttled form as
the portal, so it locks and explains in the same words.
"""

from __future__ import annotations

from auditlog.models import LogEntry
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import MoveNodeForm, movenodeform_factory

from edu_portal.accounts import actions, audit, permissions
from edu_portal.accounts.audit_admin import AuditEventAdmin, register_change_labels
from edu_portal.accounts.forms import AdminLoginForm, AdminUserChangeForm, AdminUserCreationForm
from edu_portal.accounts.models import (
    GuardianLink,
    LoginRecord,
    OrgUnit,
    RoleAssignment,
    StudentProfile,
    User,
)

admin.site.login_form = AdminLoginForm

# One permission system: what people may do comes from their roles (RoleAssignment), each
# held at an org unit. Django's groups and per-user model permissions would be a second one
# that nobody reviews, so they are neither offered nor shown.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


# --- role assignments ------------------------------------------------------------------------


class RoleAssignmentForm(forms.ModelForm):
    """Refuses a role at a kind of unit where it makes no sense (a student at the bureau),
    and (with ``actor`` set by the admin) anything the actor may not grant, to whom."""

    actor = None

    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "org_unit"]

    def clean(self):
        cleaned = super().clean()
        role, unit = cleaned.get("role"), cleaned.get("org_unit")
        if role and unit:
            actions._validate_role_unit(role, unit)
            if self.actor is not None and self.has_changed():
                user = cleaned.get("user") or getattr(self.instance, "user", None)
                try:
                    actions.check_can_assign(self.actor, user, role, unit)
                except PermissionDenied as exc:
                    raise ValidationError(str(exc)) from exc
        return cleaned


def _with_actor(form_class, request):
    return type(form_class.__name__, (form_class,), {"actor": request.user})


class ScopedUsersMixin:
    """Choices of users and units limited to the units the admin manages: an administrator
    of one school neither picks nor finds (autocomplete) the people of another."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = permissions.manageable_users(request.user)
        elif db_field.name == "org_unit" and not permissions.manages_everyone(request.user):
            kwargs["queryset"] = permissions.units_with_perm(request.user, "users.manage")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RoleAssignmentFormSet(forms.BaseInlineFormSet):
    """Every account but a superuser's holds at least one role: without one it can do
    nothing, and nobody would know where it belongs."""

    def clean(self) -> None:
        super().clean()
        if self.instance.is_superuser or any(self.errors):
            return
        # Roles outside the admin's scope are not in the formset but count all the same.
        held = set()
        if self.instance.pk is not None:
            held = set(
                RoleAssignment.objects.filter(user=self.instance).values_list("pk", flat=True)
            )
        held -= {form.instance.pk for form in self.deleted_forms}
        added = [
            form
            for form in self.forms
            if form.instance.pk is None and form.has_changed() and form not in self.deleted_forms
            if form.cleaned_data.get("role")
        ]
        if not held and not added:
            raise ValidationError(
                gettext(
                    "Give the account at least one role (and the unit where it holds it): "
                    "roles are what a person may do on the platform."
                ),
                code="no_role",
            )


class RoleAssignmentInline(ScopedUsersMixin, admin.TabularInline):
    model = RoleAssignment
    form = RoleAssignmentForm
    formset = RoleAssignmentFormSet
    fk_name = "user"
    extra = 0
    fields = ["role", "org_unit", "granted_by", "created_at"]
    readonly_fields = ["granted_by", "created_at"]
    autocomplete_fields = ["org_unit"]
    verbose_name = _("role")
    verbose_name_plural = _("roles (each applies to its unit and everything below it)")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = _with_actor(formset.form, request)
        return formset

    def get_queryset(self, request):
        # Roles elsewhere are not shown (nor editable) to an administrator of one unit.
        return (
            super().get_queryset(request).filter(permissions.scope_q(request.user, "users.manage"))
        )


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedUsersMixin, admin.ModelAdmin):
    form = RoleAssignmentForm
    list_display = ["user", "role", "org_unit", "granted_by", "created_at"]
    list_filter = ["role", "org_unit__kind", "created_at"]
    search_fields = ["user__username", "user__display_name", "org_unit__name", "org_unit__code"]
    autocomplete_fields = ["user", "org_unit"]
    list_select_related = ["user", "org_unit", "granted_by"]
    readonly_fields = ["granted_by", "created_at"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(permissions.scope_q(request.user, "users.manage"))
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        return _with_actor(super().get_form(request, obj, change=change, **kwargs), request)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


# --- users -------------------------------------------------------------------------------------

UNIT_HELP = _(
    "Required, except for superusers (such as the first account, made with "
    "createsuperuser), who may do everything without a unit or role."
)


class _UnitRequiredMixin:
    """The unit is required unless the account is a superuser (see RoleAssignmentFormSet
    for the role)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "org_unit" in self.fields:
            self.fields["org_unit"].help_text = UNIT_HELP

    def clean(self):
        cleaned = super().clean()
        superuser = cleaned.get("is_superuser", getattr(self.instance, "is_superuser", False))
        if "org_unit" in self.fields and not cleaned.get("org_unit") and not superuser:
            self.add_error(
                "org_unit",
                gettext(
                    "Choose the unit the person belongs to (their school, class or department)."
                ),
            )
        return cleaned


class UnitRequiredChangeForm(_UnitRequiredMixin, AdminUserChangeForm):
    pass


class UnitRequiredCreationForm(_UnitRequiredMixin, AdminUserCreationForm):
    pass


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UnitRequiredChangeForm
    add_form = UnitRequiredCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Personal info"),
            {"fields": ("display_name", "phone", "email", "first_name", "last_name")},
        ),
        (_("Organisation and access"), {"fields": ("org_unit", "remote_access")}),
        (
            _("Permissions"),
            {
                "fields": ("is_active", "is_staff", "is_superuser"),
                "description": _(
                    "What a person may do on the platform comes only from their roles "
                    "(below), each held at a unit and applying to everything under it. "
                    "Staff status only opens this administration site; a superuser may do "
                    "everything."
                ),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "display_name",
                    "org_unit",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = [
        "username",
        "display_name",
        "org_unit",
        "remote_access",
        "is_staff",
        "is_active",
        "last_login",
    ]
    list_filter = [
        "is_active",
        "is_staff",
        "is_superuser",
        "remote_access",
        "role_assignments__role",
    ]
    search_fields = ["username", "display_name", "email", "phone"]
    autocomplete_fields = ["org_unit"]
    list_select_related = ["org_unit"]
    inlines = [RoleAssignmentInline]
    actions = ["unlock_sign_in"]

    def get_queryset(self, request):
        # Lists, change pages and the autocomplete of other admins (role assignments) all
        # read this: nobody finds accounts outside the units they manage.
        queryset = super().get_queryset(request)
        if permissions.manages_everyone(request.user):
            return queryset
        return queryset.filter(pk__in=permissions.manageable_users(request.user).values("pk"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "org_unit" and not permissions.manages_everyone(request.user):
            kwargs["queryset"] = permissions.units_with_perm(request.user, "users.manage")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_formset(self, request, form, formset, change) -> None:
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, RoleAssignment) and instance.pk is None:
                instance.granted_by = request.user
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()

    @admin.action(description=_("Unlock sign-in for the selected users"))
    def unlock_sign_in(self, request, queryset) -> None:
        done = 0
        for user in queryset:
            try:
                actions.unlock_login(request.user, user)
            except PermissionDenied as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                gettext("Sign-in unlocked for %(count)d user(s).") % {"count": done},
                messages.SUCCESS,
            )


# --- the org tree --------------------------------------------------------------------------


class OrgUnitMoveForm(MoveNodeForm):
    """Treebeard's add/move form, refusing placements the org tree does not allow."""

    def _new_parent(self) -> OrgUnit | None:
        ref = self.cleaned_data.get("treebeard_ref_node")
        position = self.cleaned_data.get("treebeard_position")
        if ref is None:
            return None
        if position in ("sorted-child", "first-child", "last-child"):
            return ref
        return ref.get_parent()

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if not kind or "treebeard_position" not in cleaned:
            return cleaned
        parent = self._new_parent()
        unit = self.instance
        if unit.pk is not None and parent is not None and unit.contains(parent):
            raise ValidationError(
                gettext("A unit cannot be placed under itself or one of its own units.")
            )
        actions.validate_placement(kind, parent, cleaned.get("name") or "")
        if unit.pk is not None:
            actions.validate_children_fit(unit, kind)
        return cleaned


@admin.register(OrgUnit)
class OrgUnitAdmin(TreeAdmin):
    form = movenodeform_factory(
        OrgUnit,
        form=OrgUnitMoveForm,
        fields=["name", "kind", "code", "phone", "duties", "address", "head"],
    )
    list_display = ["name", "kind", "code", "phone"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]

    def save_form(self, request, form, change):
        old_parent = None
        if change:
            old_parent = OrgUnit.objects.get(pk=form.instance.pk).get_parent()
        # Treebeard moves the node while saving the form, so the old parent is read first.
        obj = super().save_form(request, form, change)
        if change:
            obj.refresh_from_db()
            _log_move(obj, old_parent, obj.get_parent(update=True))
        return obj

    def move_node(self, request):
        """Drag and drop in the tree: the same placement rules, and an audit event."""
        try:
            node = OrgUnit.objects.get(pk=request.POST.get("node_id"))
            target = OrgUnit.objects.get(pk=request.POST.get("sibling_id"))
            as_child = bool(int(request.POST.get("as_child", 0)))
        except (OrgUnit.DoesNotExist, ValueError, TypeError):
            return super().move_node(request)
        parent = target if as_child else target.get_parent()
        try:
            actions.validate_placement(node.kind, parent, node.name)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseBadRequest(" ".join(exc.messages))
        old_parent = node.get_parent()
        response = super().move_node(request)
        if response.status_code == 200:
            node.refresh_from_db()
            _log_move(node, old_parent, node.get_parent(update=True))
        return response


def _log_move(unit: OrgUnit, old_parent: OrgUnit | None, new_parent: OrgUnit | None) -> None:
    old_pk = old_parent.pk if old_parent else None
    new_pk = new_parent.pk if new_parent else None
    if old_pk != new_pk:
        audit.log_event(unit, {"parent": [str(old_parent or "—"), str(new_parent or "—")]})


# --- login records -------------------------------------------------------------------------


@admin.register(LoginRecord)
class LoginRecordAdmin(admin.ModelAdmin):
    """Read-only: records are evidence, written only by the login code."""

    list_display = ["created_at", "username", "result", "ip", "short_agent", "user"]
    list_filter = ["result", "created_at"]
    search_fields = ["username", "ip"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    readonly_fields = ["created_at", "username", "result", "ip", "user_agent", "user"]
    fields = readonly_fields

    @admin.display(description=_("user agent"))
    def short_agent(self, record: LoginRecord) -> str:
        return record.user_agent[:60] + ("…" if len(record.user_agent) > 60 else "")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if permissions.manages_everyone(request.user):
            return queryset
        return queryset.filter(user__in=permissions.manageable_users(request.user))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- audit events (auditlog's admin, with the filters the bureau asked for) -------------------


if admin.site.is_registered(LogEntry):
    admin.site.unregister(LogEntry)
admin.site.register(LogEntry, AuditEventAdmin)

register_change_labels(
    User,
    {"sign_in_lock": _("sign-in lock"), "password": _("password")},
    values={"sign_in_lock": {"locked": _("locked"), "unlocked": _("unlocked")}},
)
register_change_labels(OrgUnit, {"parent": _("parent unit")})


# Guardian links and student records (day-to-day work happens in the school console;
# changes made here go through the same actions so that guardian roles stay in step).
@admin.register(GuardianLink)
class GuardianLinkAdmin(admin.ModelAdmin):
    list_display = ("guardian", "student", "relation", "receives_notices", "created_at")
    list_filter = ("relation", "receives_notices")
    search_fields = (
        "guardian__username",
        "guardian__display_name",
        "student__username",
        "student__display_name",
    )
    raw_id_fields = ("guardian", "student")
    readonly_fields = ("created_at",)

    def save_model(self, request, obj, form, change):
        if change and {"guardian", "student"} & set(form.changed_data):
            old = GuardianLink.objects.get(pk=obj.pk)
            actions.unlink_guardian(request.user, old.guardian, old.student)
        obj_saved = actions.link_guardian(
            request.user,
            obj.guardian,
            obj.student,
            obj.relation,
            receives_notices=obj.receives_notices,
        )
        obj.pk = obj_saved.pk

    def delete_model(self, request, obj):
        actions.unlink_guardian(request.user, obj.guardian, obj.student)

    def delete_queryset(self, request, queryset):
        for link in queryset.select_related("guardian", "student"):
            actions.unlink_guardian(request.user, link.guardian, link.student)


@admin.register(StudentProfile)
class StudentProfileAdmin(admin.ModelAdmin):
    list_display = ("student_number", "user", "school")
    search_fields = ("student_number", "user__username", "user__display_name")
    list_filter = (("school", admin.RelatedOnlyFieldListFilter),)
    raw_id_fields = ("user", "school")
