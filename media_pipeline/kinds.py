"""Video and audio resources in the catalog: processed into HLS, played, downloadable as MP4.

Registered with ``catalog.kinds`` by ``MediaPipelineConfig.ready()``.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from catalog import kinds, sources
from catalog.actions import MEDIA_KINDS
from catalog.models import Resource
from media_pipeline import downloads
from media_pipeline.processing import actions
from media_pipeline.processing.api import ProcessingSerializer
from media_pipeline.streaming.page import player_context
from media_pipeline.uploads import sources as upload_sources


class MediaHandler(kinds.KindHandler):
    def initial_fields(self, kind: str) -> dict:
        return {"status": Resource.Status.UPLOADED}

    def created(self, resource: Resource) -> None:
        actions.start(resource)

    def links(self, resource: Resource) -> dict[str, str]:
        links = {"watch": reverse("streaming:watch", args=[resource.pk])}
        if resource.status == Resource.Status.READY and resource.output_prefix:
            links["stream"] = reverse("streaming:master", args=[resource.pk])
        return links

    def detail_context(self, request: HttpRequest, resource: Resource) -> dict:
        return {"player": player_context(request, resource)}

    def download_links(self, resource: Resource) -> list[tuple[str, str]]:
        if resource.kind != Resource.Kind.VIDEO or not resource.mp4_key:
            return []
        url = reverse("streaming:download", args=[resource.pk, "mp4"])
        return [(url, downloads.mp4_label(resource))]

    def thumbnail_key(self, resource: Resource) -> str | None:
        """The poster the pipeline made (a frame, or an audio file's cover or waveform),
        once the output set it belongs to is being served."""
        if resource.status != Resource.Status.READY or not resource.output_prefix:
            return None
        return resource.poster_key or None

    def processing(self, resource: Resource) -> dict | None:
        job = resource.jobs.order_by("-created_at", "-pk").first()
        return ProcessingSerializer(job).data if job else None


def register() -> None:

    kinds.register(MEDIA_KINDS, MediaHandler())
    sources.register(upload_sources.resolve)
