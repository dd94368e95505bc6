from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EbookReaderConfig(AppConfig):
    name = "ebooks.reader"
    label = "ebook_reader"
    verbose_name = _("E-book reader")
    default_auto_field = "django.db.models.BigAutoField"
