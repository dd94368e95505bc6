"""Object storage, probing, transcoding and streaming of media."""
