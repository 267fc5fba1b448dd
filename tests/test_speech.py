"""Speech: chunking, eSpeak through pyttsx3 (real engine), the chunk cache and the process pool.

Everything here speaks with the real eSpeak NG. Faults (a hang, a crash, a dead parent) are
injected into real child processes through speech.FAULT_ENV.
"""

import array
import json
import math
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import wave
from pathlib import Path

import pytest

from conversions import audio, speech
from conversions.speech.espeak import SAMPLE_RATE, SpeechEngine
from tests.corpus import REPO

PROSE = (
    "The old lighthouse stood at the end of the harbour wall. Every evening the keeper climbed "
    "the narrow stairs, trimmed the wick and watched the boats come home. In winter the waves "
    "broke over the wall, and the spray froze on the windows of the lamp room. Nobody in the "
    "village remembered a night when the light had failed."
)


def espeak_voice(name: str = "en-us") -> speech.Voice:
    """An eSpeak voice by its eSpeak name (also one that does not exist, for the failures)."""
    return speech.Voice("espeak", name, "en-us", f"eSpeak {name}", "formant", SAMPLE_RATE)


EN = espeak_voice()


def read_wav(path: Path) -> tuple[wave._wave_params, array.array]:
    with wave.open(str(path), "rb") as w:
        params = w.getparams()
        samples = array.array("h")
        samples.frombytes(w.readframes(w.getnframes()))
    return params, samples


def rms(samples: array.array) -> float:
    return math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0


def speech_children() -> list[tuple[int, str]]:
    """(pid, state) of this process's multiprocessing children, but for its resource tracker
    (other children, such as the browser tests' Playwright driver, are not ours to count)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        ours = b"multiprocessing" in cmdline and b"resource_tracker" not in cmdline
        if int(ppid) == os.getpid() and ours:
            found.append((int(entry), state))
    return found


# --- chunking ---------------------------------------------------------------------------------


def test_chunks_stay_within_limits_and_end_at_sentence_ends():
    paragraphs = [PROSE] * 30 + ["A short closing line. And one more!"]
    chunks = speech.split_into_chunks(paragraphs, max_words=60)

    assert len(chunks) > 10
    for chunk in chunks:
        assert 0 < len(chunk.split()) <= 60
        assert chunk == chunk.strip() and chunk[-1] in ".!?"
    # Nothing lost, nothing reordered.
    assert " ".join(chunks).split() == " ".join(paragraphs).split()
    # Greedy: no two neighbours would have fitted into one chunk.
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert len(a.split()) + len(b.split()) > 60


def test_default_chunks_are_at_most_250_words():
    chunks = speech.split_into_chunks([PROSE] * 40)
    assert max(len(c.split()) for c in chunks) <= speech.chunking.MAX_CHUNK_WORDS == 250
    assert min(len(c.split()) for c in chunks) > 150  # sentences are packed, not one per chunk


def test_overlong_sentence_is_cut_at_commas_then_between_words():
    clauses = ", ".join(f"clause number {i} goes on" for i in range(40))  # 200 words, one sentence
    run_on = " ".join(["word"] * 130) + "."
    chunks = speech.split_into_chunks([clauses + ".", run_on], max_words=50)

    assert all(len(c.split()) <= 50 for c in chunks)
    clause_chunks = [c for c in chunks if "clause" in c]
    assert all(c.endswith(",") or c.endswith(".") for c in clause_chunks)  # cut after commas
    assert " ".join(chunks).split() == (clauses + ". " + run_on).split()


def test_a_single_huge_word_is_cut_by_characters():
    chunks = speech.split_into_chunks(["x" * 9000 + "."], max_chars=4000)
    assert [len(c) for c in chunks] == [4000, 4000, 1001]


def test_chunks_are_never_blank_or_only_punctuation():
    chunks = speech.split_into_chunks(["", "   \n\t ", "* * *", "...", "Real words here."])
    assert chunks == ["* * * ... Real words here."]
    assert speech.split_into_chunks(["", " ", "— — —"]) == []


def test_speakable_text_defuses_markup_and_control_characters():
    text = speech.speakable_text('<speak>Hi</speak> a<b & c\x00d \ud800 "x"\n\ny')
    assert "<" not in text and ">" not in text
    assert "less than" in text and "greater than" in text
    assert "\x00" not in text and "\ud800" not in text
    assert "\n" not in text and "  " not in text


# --- speaking in this process ------------------------------------------------------------------


@pytest.fixture(scope="module")
def prose_wav(tmp_path_factory):
    path = tmp_path_factory.mktemp("speech") / "prose.wav"
    samples = speech.speak_to_wav(PROSE, path, voice=EN, rate=175)
    return path, samples


def test_wav_is_22050_hz_mono_with_a_plausible_length_and_not_silent(prose_wav):
    path, returned = prose_wav
    params, samples = read_wav(path)

    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, SAMPLE_RATE)
    assert returned == params.nframes == len(samples)
    minutes = len(samples) / SAMPLE_RATE / 60
    words_per_minute = len(PROSE.split()) / minutes
    assert 175 * 0.6 <= words_per_minute <= 175 * 1.4
    assert rms(samples) > 500


def test_each_utterance_gets_its_own_rate(prose_wav, tmp_path):
    # Upstream's stop() before each utterance cancelled the queued rate change: every one of
    # these came out at the previous or default rate.
    _, normal = prose_wav
    for rate in (350, 175, 350, 120):
        samples = speech.speak_to_wav(PROSE, tmp_path / f"{rate}.wav", voice=EN, rate=rate)
        assert samples / normal == pytest.approx(175 / rate, rel=0.2)


def test_blank_text_gives_an_empty_wav_without_calling_espeak(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("eSpeak must not be called for blank text")

    monkeypatch.setattr(SpeechEngine, "synthesize", boom)
    assert speech.speak_to_wav("  \n\t ", tmp_path / "blank.wav", voice=EN, rate=175) == 0
    assert read_wav(tmp_path / "blank.wav")[0].nframes == 0


def test_markup_is_spoken_literally_not_obeyed(tmp_path):
    # With markup obeyed, <break time="20s"/> would be 20 seconds of silence.
    obeyed = speech.speak_to_wav(
        'a <break time="20s"/> b', tmp_path / "break.wav", voice=EN, rate=175
    )
    assert obeyed / SAMPLE_RATE < 8
    # eSpeak alone turns "<" into a pause; spoken literally it says "less than".
    bare = speech.speak_to_wav("a b", tmp_path / "bare.wav", voice=EN, rate=175)
    lt = speech.speak_to_wav("a < b", tmp_path / "lt.wav", voice=EN, rate=175)
    assert (lt - bare) / SAMPLE_RATE > 0.3


def test_an_empty_utterance_is_detected_and_spoken_again(tmp_path, monkeypatch):
    real = SpeechEngine.synthesize
    calls = []

    def first_one_empty(self, text, wav_path, **kwargs):
        calls.append(text)
        if len(calls) == 1:  # what eSpeak sometimes hands back under load: silence
            with wave.open(str(wav_path), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(SAMPLE_RATE)
                w.writeframes(bytes(2026))
            return
        real(self, text, wav_path, **kwargs)

    monkeypatch.setattr(SpeechEngine, "synthesize", first_one_empty)
    samples = speech.speak_to_wav(
        "Speak this sentence properly, please.", tmp_path / "r.wav", voice=EN, rate=175
    )

    assert len(calls) == 2
    assert samples / SAMPLE_RATE > 1.0
    assert rms(read_wav(tmp_path / "r.wav")[1]) > 500


def test_an_utterance_that_stays_empty_raises(tmp_path, monkeypatch):
    def always_silent(self, text, wav_path, **kwargs):
        with wave.open(str(wav_path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SAMPLE_RATE)

    monkeypatch.setattr(SpeechEngine, "synthesize", always_silent)
    with pytest.raises(speech.SpeechError, match="no audio"):
        speech.speak_to_wav("Nothing comes out.", tmp_path / "r.wav", voice=EN, rate=175)
    assert not (tmp_path / "r.wav").exists()  # never a half-made file under the real name


def test_unknown_voice_is_a_speech_error(tmp_path):
    with pytest.raises(speech.SpeechError, match="voice"):
        speech.speak_to_wav(
            "Hello.", tmp_path / "v.wav", voice=espeak_voice("no-such-voice-xyz"), rate=175
        )
    # The engine stays usable.
    assert speech.speak_to_wav("Hello again.", tmp_path / "ok.wav", voice=EN, rate=175) > 0


def test_many_short_utterances_in_a_row_all_complete(tmp_path):
    # Without waiting for eSpeak's callback to return, most of these came back "stopped".
    lengths = [
        speech.speak_to_wav(f"Line {i}.", tmp_path / f"{i}.wav", voice=EN, rate=175)
        for i in range(40)
    ]
    assert all(n > SAMPLE_RATE * 0.3 for n in lengths)


def test_two_threads_share_the_process_engine_safely(tmp_path):
    results, errors = {}, []

    def work(name):
        try:
            for i in range(5):
                results[(name, i)] = speech.speak_to_wav(
                    f"{name} says {i}.", tmp_path / f"{name}{i}.wav", voice=EN, rate=175
                )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in ("alpha", "beta")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and len(results) == 10 and min(results.values()) > SAMPLE_RATE * 0.5


# --- the child processes ----------------------------------------------------------------------


def fault(monkeypatch, kind, marker, once=None):
    spec = {"kind": kind, "marker": marker}
    if once:
        spec["once"] = str(once)
    monkeypatch.setenv(speech.FAULT_ENV, json.dumps(spec))


BOOK = [
    ("The harbour", ["The wall was old. It was long.", "Boats came home at dusk.", PROSE]),
    ("The keeper", ["He climbed the stairs.", "He trimmed the wick and waited."]),
]


def test_speak_chapters_speaks_titles_and_chunks_then_reuses_the_cache(tmp_path):
    fractions = []
    chapters = speech.speak_chapters(BOOK, tmp_path, voice=EN, rate=175, progress=fractions.append)

    assert [c.title for c in chapters] == ["The harbour", "The keeper"]
    for chapter, (title, chunks) in zip(chapters, BOOK, strict=True):
        assert chapter.chunk_texts == (title, *chunks)
        assert len(chapter.chunk_durations) == len(chunks) + 1
        assert all(d > 0.5 for d in chapter.chunk_durations)
        assert chapter.spoken_chunks == len(chunks) + 1
        # The part plays at least as long as its speech (plus codec delay and padding).
        assert sum(chapter.chunk_durations) < chapter.duration < sum(chapter.chunk_durations) + 0.2
        assert all(p.mp3_path.is_file() for p in chapter.segments)
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert speech_children() == []  # all joined: no zombies, no strays

    again = speech.speak_chapters(BOOK, tmp_path, voice=EN, rate=175)
    assert [c.spoken_chunks for c in again] == [0, 0]  # a retried job speaks nothing again
    assert [c.segments for c in again] == [c.segments for c in chapters]

    other_rate = speech.speak_chapters(BOOK[:1], tmp_path, voice=EN, rate=220)
    assert other_rate[0].spoken_chunks == 4  # the rate is part of the cache key
    assert other_rate[0].duration < chapters[0].duration


def test_long_chapters_are_cut_into_segments_that_keep_order(tmp_path):
    chunks = [f"Sentence number {i:02} is here." for i in range(12)]
    (chapter,) = speech.speak_chapters(
        [("", chunks)], tmp_path, max_segment_chars=120, processes=2, voice=EN, rate=175
    )

    assert len(chapter.segments) == 3
    assert chapter.chunk_texts == tuple(chunks)  # no title: none spoken
    assert [len(p.chunk_samples) for p in chapter.segments] == [4, 4, 4]


def test_a_crashing_child_costs_one_retry_and_cached_chunks_are_not_spoken_again(
    tmp_path, monkeypatch
):
    flag = tmp_path / "fired"
    fault(monkeypatch, "segv", "CRASHHERE", once=flag)
    chunks = ["First sentence.", "Second sentence.", "Third CRASHHERE sentence.", "Last sentence."]

    (chapter,) = speech.speak_chapters(
        [("", chunks)], tmp_path / "work", processes=1, voice=EN, rate=175
    )

    assert flag.read_text().isdigit()  # the fault fired: a child died of SIGSEGV
    assert len(chapter.chunk_durations) == 4
    # Chunks 1-2 came from the cache on the second run: each chunk was spoken exactly once.
    assert chapter.spoken_chunks == 4
    assert speech_children() == []


@pytest.mark.slow
def test_a_hanging_child_times_out_and_its_segment_is_retried(tmp_path, monkeypatch):
    flag = tmp_path / "fired"
    fault(monkeypatch, "hang", "STALL", once=flag)
    book = [("One", ["This one is fine."]), ("Two", ["This one STALL stalls once."])]

    chapters = speech.speak_chapters(
        book, tmp_path / "work", processes=2, chunk_timeout=3, voice=EN, rate=175
    )

    hung = int(flag.read_text())
    assert not Path(f"/proc/{hung}").exists()  # killed and reaped
    assert [len(c.chunk_durations) for c in chapters] == [2, 2]
    assert speech_children() == []


def test_a_chunk_failing_twice_raises_speech_error(tmp_path, monkeypatch):
    fault(monkeypatch, "exit", "ALWAYSDIES")
    book = [("Fine", ["Nothing wrong here."]), ("Broken", ["Ok.", "This ALWAYSDIES every time."])]

    with pytest.raises(speech.SpeechError, match=r"chunk 2 of chapter 2 \('Broken'\) failed twice"):
        speech.speak_chapters(book, tmp_path, processes=2, voice=EN, rate=175)
    assert speech_children() == []


def test_an_unknown_voice_fails_fast_in_the_children(tmp_path):
    with pytest.raises(speech.SpeechError, match="could not start.*voice"):
        speech.speak_chapters(BOOK, tmp_path, voice=espeak_voice("no-such-voice-xyz"), rate=175)
    assert speech_children() == []


@pytest.mark.slow
def test_a_30_kb_text_does_not_crash_espeak(tmp_path):
    # pyttsx3's own Synth() tells eSpeak the text is 10x longer; here that segfaulted from
    # ~25 KB on. A crash would show as SpeechError (the chunk fails twice).
    sentence = "The keeper watched the boats come home across the grey water. "
    text = sentence * (30_000 // len(sentence))
    (chapter,) = speech.speak_chapters([("", [text])], tmp_path, processes=1, voice=EN, rate=175)

    (seconds,) = chapter.chunk_durations
    words_per_minute = len(text.split()) / (seconds / 60)
    assert 175 * 0.6 <= words_per_minute <= 175 * 1.4


HARNESS = textwrap.dedent(
    """
    # Becomes the subreaper, starts a "worker" that runs speak_chapters, waits until one of its
    # children hangs in a chunk, SIGKILLs the worker and reaps whatever is reparented to it.
    import ctypes, json, os, signal, subprocess, sys, time

    PARENT = '''
    import sys
    from pathlib import Path
    from conversions.speech import Voice, speak_chapters
    book = [("Slow", ["This HANGFOREVER chunk never finishes."]), ("Quick", ["Done soon."])]
    voice = Voice("espeak", "en-us", "en-us", "eSpeak", "formant", 22050)
    speak_chapters(book, Path(sys.argv[1]), voice=voice, rate=175, processes=2, chunk_timeout=600)
    '''

    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    flag, workdir = sys.argv[1], sys.argv[2]
    # Not our stdout: a surviving grandchild would hold the test's pipe open.
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = subprocess.Popen([sys.executable, "-c", PARENT, workdir], **quiet)
    deadline = time.monotonic() + 60
    while not (os.path.exists(flag) and open(flag).read()):
        if parent.poll() is not None or time.monotonic() > deadline:
            print(json.dumps({"error": "the fault never fired", "rc": parent.poll()}))
            sys.exit(1)
        time.sleep(0.05)
    hung = int(open(flag).read())

    def descendants(root):
        parents = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = open(f"/proc/{entry}/stat").read()
                except OSError:
                    continue
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
        found, todo = [], [root]
        while todo:
            pid = todo.pop()
            kids = [p for p, pp in parents.items() if pp == pid]
            found += kids
            todo += kids
        return found

    before = descendants(parent.pid)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    reaped = {}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break  # no children left at all
        if pid == 0:
            time.sleep(0.05)
            continue
        reaped[pid] = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
    left = [p for p in before if p not in reaped and os.path.exists(f"/proc/{p}")]
    print(json.dumps({"hung": hung, "before": before, "reaped": reaped, "left": left}), flush=True)
    for pid in left:  # the test fails; leave no strays behind
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_children_die_with_a_killed_parent(tmp_path):
    flag = tmp_path / "fired"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        speech.FAULT_ENV: json.dumps({"kind": "hang", "marker": "HANGFOREVER", "once": str(flag)}),
    }
    run = subprocess.run(
        [sys.executable, "-c", HARNESS, str(flag), str(tmp_path / "work")],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    reaped = {int(pid): sig for pid, sig in report["reaped"].items()}

    assert report["hung"] in report["before"]
    # The child stuck in eSpeak had no reason to exit: only PR_SET_PDEATHSIG killed it.
    assert reaped[report["hung"]] == signal.SIGKILL
    assert report["left"] == []
    assert set(report["before"]) <= set(reaped)


def test_cache_keys_depend_on_text_voice_rate_and_engine():
    from conversions.speech.pool import chunk_key

    base = chunk_key("Hello there.", EN, 175, "engine 1")
    assert base == chunk_key("Hello there.", espeak_voice(), 175, "engine 1")
    others = [
        chunk_key("Hello there!", EN, 175, "engine 1"),
        chunk_key("Hello there.", espeak_voice("en-gb"), 175, "engine 1"),
        chunk_key("Hello there.", EN, 176, "engine 1"),
        chunk_key("Hello there.", EN, 175, "engine 2"),  # another eSpeak, or another model
    ]
    assert len({base, *others}) == 5
    assert re.fullmatch(r"[0-9a-f]{64}", base)


def test_rate_out_of_range_is_refused_before_any_process_starts(tmp_path):
    with pytest.raises(ValueError, match="rate"):
        speech.speak_chapters(BOOK, tmp_path, rate=20, voice=EN)
    assert speech_children() == []


def test_a_repeated_chapter_gets_its_own_segment_file(tmp_path):
    # Two chapters with the same text are spoken at once by two children: each must describe
    # the file it wrote (sharing one file paired one child's MP3 with the other's frames).
    twice = [BOOK[0], BOOK[0]]
    chapters = speech.speak_chapters(twice, tmp_path, voice=EN, rate=175, processes=2)
    first, second = (chapter.segments[0] for chapter in chapters)
    assert first.mp3_path != second.mp3_path
    for part in (first, second):
        assert audio.count_mp3_frames(part.mp3_path)[0] == part.frames
