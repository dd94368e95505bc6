"""Audit events: who changed what, when, from which address, with before/after values.

django-auditlog records the changes; this module decides which models are audited and
makes sure the address it stores is the one ``access.client_ip`` trusts (auditlog's own
middleware would believe a spoofed ``X-Forwarded-For``).
"""

from __future__ import annotations

from auditlog.middleware import AuditlogMiddleware
from auditlog.registry import auditlog

from edu_portal.access import client_ip


class AuditMiddleware(AuditlogMiddleware):
    @staticmethod
    def _get_remote_addr(request):
        return client_ip(request)

    @staticmethod
    def _get_remote_port(request):
        return None


def register_models() -> None:
    from edu_portal.accounts.models import OrgUnit, RoleAssignment, User

    if auditlog.contains(User):
        return
    auditlog.register(
        User,
        exclude_fields=["password", "last_login"],
        m2m_fields={"groups", "user_permissions"},
    )
    auditlog.register(OrgUnit, exclude_fields=["path", "depth", "numchild"])
    auditlog.register(RoleAssignment)
