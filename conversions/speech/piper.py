"""Piper (`piper-tts`, on onnxruntime): natural neural voices.

Measured on a 2-core machine: one process with 2 threads reached 19x real time, two processes
with 1 thread each 24x in all, so the pool runs one process per core and each session gets
`threads` (the cores divided among the processes). Piper's own loader builds a session with
onnxruntime's defaults, which use only some of the cores; the session is built here instead.
Memory grows with the input's length (a whole 5,000-word text: 3.2 GB), so Piper only ever gets
one chunk, a sentence or a few.

Piper reads each sentence separately and returns it without the pause a reader makes between
sentences; SENTENCE_PAUSE is put back between them and after each chunk. Its default
normalises every sentence to full scale, which makes loudness jump from one sentence to the
next and leaves no headroom for the MP3 encoder; sentences keep the voice's own dynamics, made
louder by a fixed gain with a soft limiter (wavfiles.leveled_pcm).
"""

from __future__ import annotations

import functools
import hashlib
import json
import tempfile
from pathlib import Path

import numpy as np

from .chunking import has_words
from .errors import SpeechError
from .voices import NATURAL_RATE, Voice
from .wavfiles import leveled_pcm, save_wav

SENTENCE_PAUSE = 0.3  # seconds
GAIN_DB = 5.0  # see wavfiles.leveled_pcm
# Piper's pace is not inversely proportional to its length_scale: en_US-joe-medium read 170
# words a minute at 1.0, 206 at 0.75 and 265 at 0.5, about length_scale ** -0.66. So the scale
# for a rate is (NATURAL_RATE / rate) ** 1.5: twice the rate is twice as fast.
RATE_EXPONENT = 1.5


class PiperSpeaker:
    """One loaded Piper voice, speaking at one rate."""

    def __init__(self, voice: Voice, rate: int, threads: int) -> None:
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig, SynthesisConfig

        config = PiperConfig.from_dict(json.loads(_config_path(voice).read_text(encoding="utf-8")))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(
            voice.path, sess_options=options, providers=["CPUExecutionProvider"]
        )
        # download_dir: where Piper would put extra data for some languages (Chinese); never
        # the current folder.
        self.voice = PiperVoice(
            config=config, session=session, download_dir=Path(tempfile.gettempdir())
        )
        self.sample_rate = config.sample_rate
        self.synthesis = SynthesisConfig(
            length_scale=config.length_scale * (NATURAL_RATE / int(rate)) ** RATE_EXPONENT,
            normalize_audio=False,
        )
        pause = SENTENCE_PAUSE * NATURAL_RATE / int(rate)  # a faster reader pauses less too
        self.pause = np.zeros(int(pause * self.sample_rate), np.float32)

    def speak(self, text: str, wav_path: Path) -> bytes:
        """Speak `text` into `wav_path` (atomically) and return its PCM."""

        pieces = []
        for sentence in self.voice.synthesize(text, syn_config=self.synthesis):
            pieces += [sentence.audio_float_array, self.pause]
        if not pieces:
            if has_words(text):
                raise SpeechError(f"Piper produced no audio for {text[:60]!r}")
            pieces = [self.pause]
        pcm = leveled_pcm(np.concatenate(pieces), GAIN_DB)
        save_wav(wav_path, pcm, self.sample_rate)
        return pcm


def _config_path(voice: Voice) -> Path:
    return Path(voice.path + ".json")


def open_speaker(voice: Voice, rate: int, threads: int = 1) -> PiperSpeaker:
    """The engine-module entry point (see voices.engine_module)."""
    return PiperSpeaker(voice, rate, threads)


@functools.lru_cache(maxsize=16)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _digest_of(path: Path) -> str:
    stat = path.stat()
    return _file_digest(str(path), stat.st_size, stat.st_mtime_ns)


def identity(voice: Voice) -> str:
    """Everything besides the text and the voice's id that shapes the audio: the versions, and
    hashes of the model and its settings (a replaced voice file must not reuse old chunks)."""
    from importlib.metadata import version

    return (
        f"piper-tts {version('piper-tts')}; onnxruntime {version('onnxruntime')}; "
        f"model {_digest_of(Path(voice.path))}; config {_digest_of(_config_path(voice))}; "
        f"pause {SENTENCE_PAUSE}; gain {GAIN_DB}"
    )
