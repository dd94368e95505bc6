"""What the download buttons of a video say: the resolution of the file they give.

The MP4 copy is remuxed from one rung of the published output set (``mp4copy.pick_rung``),
so its label names that rung's height as the job that made the set planned it: a 640×360
source gives "MP4 (360p)", not the 720p the copy would have at most.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from catalog.models import Resource
from media_pipeline.mp4copy import MAX_SHORT_SIDE
from media_pipeline.processing.models import ProcessingJob


def published_job(resource: Resource) -> ProcessingJob | None:
    """The job whose output set is being served (its plan and probe describe the files)."""
    if not resource.output_prefix:
        return None
    return (
        resource.jobs.filter(output_prefix=resource.output_prefix)
        .order_by("-created_at", "-pk")
        .first()
    )


def copy_height(plan: dict) -> int | None:
    """The short side of the rung the MP4 copy was made from, read from a stored plan;
    the same choice as ``mp4copy.pick_rung`` (rungs are named by their short side)."""
    sides = []
    for rung in plan.get("rungs") or []:
        try:
            sides.append(min(int(rung["width"]), int(rung["height"])))
        except (KeyError, TypeError, ValueError):
            continue
    return max((side for side in sides if side <= MAX_SHORT_SIDE), default=None)


def mp4_label(resource: Resource, job: ProcessingJob | None = None) -> str:
    job = job or published_job(resource)
    height = copy_height(job.plan) if job else None
    if height is None:
        return _("Download MP4")
    return _("Download MP4 (%(height)dp)") % {"height": height}


def original_label(resource: Resource, job: ProcessingJob | None = None) -> str:
    job = job or published_job(resource)
    info = job.probe_info if job else {}
    width, height = info.get("display_width"), info.get("display_height")
    if resource.kind == Resource.Kind.VIDEO and width and height:
        return _("Download the original file (%(width)d×%(height)d)") % {
            "width": int(width),
            "height": int(height),
        }
    return _("Download the original file")
