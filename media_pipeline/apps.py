from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaPipelineConfig(AppConfig):
    name = "media_pipeline"
    verbose_name = _("Media pipeline")

    def ready(self) -> None:
        from media_pipeline import kinds
        from media_pipeline.uploads import picker

        kinds.register()
        picker.register()
