"""Turning an uploaded video into a published HLS set: job model, service, tasks, sweeper."""
