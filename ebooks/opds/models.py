"""The catalog key: a reader app's own credential for the OPDS catalog.

It is not the API token. It opens only the catalog views (``ebooks.opds.auth``), which only
read: feeds, covers and the books the owner may download. Only a SHA-256 of the secret is
stored; the short public id in front of it finds the row by index. It stops working when
the owner's password changes (the row keeps a keyed fingerprint of the password hash it was
made under, compared on every use, as Django does for sessions), when the owner makes a new
one, and when the account is disabled.

The key as given to the user: ``opds-<public id>.<secret>``.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

PREFIX = "opds-"
PUBLIC_ID_BYTES = 6  # 12 hex digits
SECRET_BYTES = 32


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def password_mark(user) -> str:
    """A keyed fingerprint of the user's password hash (never the hash itself)."""
    return salted_hmac("ebooks.opds.key.password", user.password, algorithm="sha256").hexdigest()


def split_key(text: str) -> tuple[str, str] | None:
    """``(public id, secret)`` of a string shaped like a catalog key, else None."""
    text = text.strip()
    if not text.startswith(PREFIX):
        return None
    public_id, sep, secret = text[len(PREFIX) :].partition(".")
    if not sep or len(public_id) != 2 * PUBLIC_ID_BYTES or not secret or len(secret) > 100:
        return None
    return public_id, secret


def looks_like_key(text: str) -> bool:
    return split_key(text) is not None


class CatalogKey(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="catalog_key",
        verbose_name=_("user"),
    )
    public_id = models.CharField(_("public id"), max_length=2 * PUBLIC_ID_BYTES, unique=True)
    secret_sha256 = models.CharField(_("SHA-256 of the secret"), max_length=64)
    password_mark = models.CharField(_("password fingerprint"), max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("catalog key")
        verbose_name_plural = _("catalog keys")

    def __str__(self) -> str:
        return f"{PREFIX}{self.public_id}… ({self.user})"

    @classmethod
    def issue(cls, user) -> str:
        """A new key for ``user``, replacing any earlier one; the only time it is seen."""
        for _attempt in range(5):
            public_id = secrets.token_hex(PUBLIC_ID_BYTES)
            secret = secrets.token_urlsafe(SECRET_BYTES)
            try:
                with transaction.atomic():
                    cls.objects.filter(user=user).delete()
                    cls.objects.create(
                        user=user,
                        public_id=public_id,
                        secret_sha256=_sha256(secret),
                        password_mark=password_mark(user),
                    )
            except IntegrityError:  # a public id already taken (1 in 2**48): draw again
                continue
            return f"{PREFIX}{public_id}.{secret}"
        raise RuntimeError("Could not draw an unused catalog key id.")

    @classmethod
    def revoke(cls, user) -> None:
        cls.objects.filter(user=user).delete()

    @classmethod
    def user_for(cls, text: str):
        """The active owner of the key ``text`` if it is still valid, else None."""
        parts = split_key(text)
        if parts is None:
            return None
        public_id, secret = parts
        key = cls.objects.select_related("user").filter(public_id=public_id).first()
        if key is None or not constant_time_compare(key.secret_sha256, _sha256(secret)):
            return None
        if not key.is_current():
            return None
        return key.user

    def is_current(self) -> bool:
        """False once the owner's password changed or the account was disabled."""
        return self.user.is_active and constant_time_compare(
            self.password_mark, password_mark(self.user)
        )
