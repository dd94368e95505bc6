"""A progressive MP4 copy for teachers who download a lesson video.

Made from the finished HLS output, not from the source: the 720p rung (or the largest
below it) and the shared audio rendition are remuxed with ``-c copy`` into one MP4 with
the index at the front, so it plays while it downloads and costs seconds, not a second
encode. Audio-only resources get no copy (their original is offered instead).
"""

from __future__ import annotations

from pathlib import Path

import ffmpeg

from media_pipeline.ladder import LadderPlan, Rung
from media_pipeline.transcode import VARIANT_PLAYLIST, run_ffmpeg

# The dot inside the name keeps it out of policy.PART_NAME: a stream token (which anyone
# who may watch holds) can never fetch the copy; only the download view, which checks the
# download permission, links to it.
MP4_NAME = "download.copy.mp4"
MAX_SHORT_SIDE = 720


def pick_rung(plan: LadderPlan) -> Rung | None:
    """The largest rung whose short side is at most 720 pixels."""
    fitting = [rung for rung in plan.rungs if rung.short_side <= MAX_SHORT_SIDE]
    return max(fitting, key=lambda rung: rung.short_side, default=None)


def build_command(out_dir: Path, plan: LadderPlan, rung: Rung) -> list[str]:
    video = ffmpeg.input(str(out_dir / rung.name / VARIANT_PLAYLIST))
    streams = [video["v:0"]]
    if plan.audio is not None:
        streams.append(ffmpeg.input(str(out_dir / plan.audio.name / VARIANT_PLAYLIST))["a:0"])
    output = ffmpeg.output(
        *streams,
        str(out_dir / MP4_NAME),
        c="copy",
        movflags="+faststart",
        f="mp4",
    )
    return output.global_args("-nostdin", "-hide_banner", "-loglevel", "error").compile()


def make_mp4_copy(out_dir: Path, plan: LadderPlan, *, timeout: float | None = None) -> Path | None:
    """Write the copy into ``out_dir``; None when the plan has no video."""
    rung = pick_rung(plan)
    if rung is None:
        return None
    run_ffmpeg(build_command(out_dir, plan, rung), timeout=timeout)
    return out_dir / MP4_NAME
