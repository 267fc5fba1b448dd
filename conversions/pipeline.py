"""One conversion, start to end: PDF -> narration text -> speech -> MP3 + WebVTT.

Plain functions with a progress callback, used by the worker and by `manage.py convert`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


class ConversionError(Exception):
    """A conversion that cannot succeed; str(error) is the reason, in words for the user."""


class Interrupted(Exception):
    """The caller asked the conversion to stop (shutdown); the work done so far is kept."""


@dataclass
class ConversionResult:
    mp3: Path
    vtt: Path
    duration: float  # seconds of audio
    title: str = ""
    author: str = ""
    page_count: int = 0
    chapters: list[tuple[str, float]] = field(default_factory=list)  # (title, start in seconds)


Progress = Callable[[float], None]
StopCheck = Callable[[], bool]
