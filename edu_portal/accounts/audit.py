"""Audit events: who changed what, when, from which address, with before/after values.

django-auditlog records the changes (``auditlog.models.LogEntry``: actor, timestamp,
remote_addr, object, ``changes`` as ``{field: [before, after]}``). This module decides which
models are audited and who the actor is:

* :class:`AuditMiddleware` (installed) puts the request into an audit context. The actor is
  resolved *when an entry is written*, not when the request arrives: Django REST framework
  authenticates tokens inside the view, long after middleware ran, and sets the user on the
  underlying request then (auditlog's own middleware would record no actor for token
  requests). The address is ``access.client_ip``: auditlog's middleware would believe a
  spoofed ``X-Forwarded-For``.
* :func:`actor_context` names the actor outside requests (management commands, tasks,
  the action layer); it nests, and an inner context keeps the outer address.

Use these rather than ``auditlog.context.set_actor``, which does not restore an outer
context when it exits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from auditlog.cid import set_cid
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.auth import get_user_model
from django.db.models.signals import pre_save
from django.http import HttpRequest, HttpResponse

from edu_portal.access import client_ip


@dataclass(frozen=True)
class _Context:
    actor: Callable[[], object | None]
    remote_addr: Callable[[], str | None]


_current: ContextVar[_Context | None] = ContextVar("edu_portal_audit_context", default=None)


def _request_actor(request: HttpRequest):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    # request.user is usually a SimpleLazyObject; store the real instance on the entry.
    return getattr(user, "_wrapped", user)


@contextmanager
def request_context(request: HttpRequest) -> Iterator[None]:
    """Audit what happens inside as done by ``request.user`` (looked up at write time)."""
    token = _current.set(
        _Context(actor=lambda: _request_actor(request), remote_addr=lambda: client_ip(request))
    )
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def actor_context(actor, remote_addr: str | None = None) -> Iterator[None]:
    """Audit what happens inside as done by ``actor`` (None or a non-user: the system)."""
    outer = _current.get()
    if remote_addr is not None:
        address = lambda: remote_addr  # noqa: E731
    elif outer is not None:
        address = outer.remote_addr
    else:
        address = lambda: None  # noqa: E731
    token = _current.set(_Context(actor=lambda: actor, remote_addr=address))
    try:
        yield
    finally:
        _current.reset(token)


def current_actor():
    """The user the current audit context names: the request's signed-in user, or the
    actor of an ``actor_context``; None outside a context, for the system or anonymous."""
    context = _current.get()
    actor = context.actor() if context is not None else None
    if isinstance(actor, get_user_model()) and actor.pk is not None:
        return actor
    return None


def _fill_entry(sender, instance: LogEntry, **kwargs) -> None:
    """Give a new log entry the actor and address of the current context."""
    context = _current.get()
    if context is None or instance.pk is not None:
        return
    if instance.actor_id is None:
        actor = context.actor()
        if isinstance(actor, get_user_model()) and actor.pk is not None:
            instance.actor = actor
            instance.actor_email = actor.email or None
    if instance.remote_addr is None:
        instance.remote_addr = context.remote_addr()


class AuditMiddleware:
    """Sets the correlation id and the audit context for the whole request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        set_cid(request)
        with request_context(request):
            return self.get_response(request)


class AuditedAPIMixin:
    """For DRF views: the same context as the middleware, also when a view is called
    without it (``APIRequestFactory`` in tests, views mounted by other means)."""

    def dispatch(self, request, *args, **kwargs):
        with request_context(request):
            return super().dispatch(request, *args, **kwargs)


def _reverse_relations(model) -> list[str]:
    """Names of relations declared on other models. auditlog lists them, as useless strings
    such as "accounts.RoleAssignment.None", in every create and delete entry."""
    return [
        field.name
        for field in model._meta.get_fields()
        if field.auto_created and not field.concrete and field.is_relation
    ]


def register_models() -> None:
    from edu_portal.accounts.models import (
        GuardianLink,
        OrgUnit,
        RoleAssignment,
        StudentProfile,
        User,
    )

    pre_save.connect(_fill_entry, sender=LogEntry, dispatch_uid="edu_portal.audit.fill_entry")
    if auditlog.contains(User):
        return
    auditlog.register(
        User,
        exclude_fields=["password", "last_login", *_reverse_relations(User)],
        m2m_fields={"groups", "user_permissions"},
    )
    auditlog.register(
        OrgUnit, exclude_fields=["path", "depth", "numchild", *_reverse_relations(OrgUnit)]
    )
    auditlog.register(RoleAssignment, exclude_fields=_reverse_relations(RoleAssignment))
    # Links and student numbers are personal data of children.
    auditlog.register(GuardianLink)
    auditlog.register(StudentProfile)


def log_event(instance, changes: dict, action: int = LogEntry.Action.UPDATE) -> LogEntry:
    """Write an entry for a change auditlog cannot see (a tree move, an unlock)."""
    return LogEntry.objects.log_create(instance, action=action, changes=changes, force_log=True)
