"""The errors the speech package raises when speaking failed for good."""


class SpeechError(RuntimeError):
    """Speaking failed for good: a chunk failed twice, or an engine or its voice is unusable."""


class VoiceUnusable(SpeechError):
    """The voice could not be loaded or keeps dying before its first word (not the text's fault)."""
