// Listening while a book converts. progress.js polls status.json and tells us (the
// "audiobook:status" event) which segments of the book are ready; they are fetched in order and
// appended to one Media Source Extensions buffer in "sequence" mode, so the <audio> element
// plays them as one stream and carries on across each boundary as more arrive. Joined in order
// the segments are the finished MP3's audio, frame for frame, so when the book is done
// ("audiobook:done") the finished MP3 is loaded beside it, seeked to the same moment and
// started as the live stream reaches it: no gap, no lost position. Without MSE (older Safari)
// the segments play one after another through the element's src. Without JavaScript the page
// lists the ready chapters as links. The listener's place is written as the finished
// book's player writes it (position.js), so that player, in any browser, resumes there; once
// the finished MP3 has taken over, pausing it brings in the finished book's full player.

import { positionWriter } from "./position.js";

const HANDOVER_LEAD = 0.6; // seconds ahead of the live position to prepare the finished MP3
const AHEAD = 600; // seconds of audio held ahead of the listener
const BEHIND = 900; // when this much is held behind the listener...
const KEEP_BEHIND = 120; // ...let go of all but this much

function once(target, name) {
  return new Promise((resolve) => target.addEventListener(name, resolve, { once: true }));
}

function clock(seconds) {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

// ---- the ready segments as one stream -----------------------------------------------------------

class SegmentStream {
  // Appends segments in order to a MediaSource's SourceBuffer, AHEAD seconds ahead of the
  // listener at most, and lets go of what is long behind: a browser holds only so much audio
  // (Chromium ~12 MB, half an hour at 48 kb/s). A seek outside what is held starts again from
  // the segment there (timestampOffset puts it at its place in the book).
  constructor(audio) {
    this.audio = audio;
    this.queue = []; // segments known, in order
    this.next = 0; // the segment to append next
    this.appended = 0;
    this.busy = false;
    this.stopped = false;
    this.source = new MediaSource();
    this.opened = once(this.source, "sourceopen").then(() => {
      this.buffer = this.source.addSourceBuffer("audio/mpeg");
      this.buffer.mode = "sequence"; // MP3 has no timestamps: they follow on from the last
    });
    audio.src = URL.createObjectURL(this.source);
    audio.addEventListener("timeupdate", () => this.pump());
    audio.addEventListener("seeking", () => this.seeked());
  }

  add(segments) {
    for (const segment of segments.slice(this.queue.length)) this.queue.push(segment);
    this.pump();
  }

  held(time) {
    const ranges = this.buffer?.buffered;
    for (let i = 0; ranges && i < ranges.length; i += 1) {
      if (ranges.start(i) <= time && time < ranges.end(i)) return true;
    }
    return false;
  }

  heldUntil() {
    const ranges = this.buffer?.buffered;
    return ranges?.length ? ranges.end(ranges.length - 1) : 0;
  }

  seeked() {
    const time = this.audio.currentTime;
    if (!this.buffer || this.held(time)) return;
    const index = this.queue.findLastIndex((segment) => segment.start <= time + 0.001);
    if (index >= 0) {
      this.next = index;
      this.jumped = true;
      this.pump();
    }
  }

  async update(change) {
    const done = once(this.buffer, "updateend");
    change();
    await done;
  }

  async pump() {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      await this.opened;
      while (!this.stopped && this.next < this.queue.length) {
        const now = this.audio.currentTime;
        if (!this.jumped && this.heldUntil() - now > AHEAD) break;
        const ranges = this.buffer.buffered;
        if (ranges.length && now - ranges.start(0) > BEHIND) {
          await this.update(() => this.buffer.remove(0, now - KEEP_BEHIND));
        }
        const segment = this.queue[this.next];
        const response = await fetch(segment.url, { credentials: "same-origin" });
        if (!response.ok) break; // gone (the book finished meanwhile): the handover follows
        const data = await response.arrayBuffer();
        if (this.stopped) break;
        if (this.jumped || Math.abs(this.heldUntil() - segment.start) > 0.5) {
          this.buffer.timestampOffset = segment.start;
          this.jumped = false;
        }
        await this.update(() => this.buffer.appendBuffer(data));
        this.next += 1;
        this.appended += 1;
        this.audio.closest("[data-live]").dataset.appended = String(this.appended);
      }
    } catch (error) {
      console.warn("live audio:", error);
    } finally {
      this.busy = false;
    }
  }

  stop() {
    this.stopped = true;
  }
}

// Without MSE: the element plays one segment, then the next.
class SegmentPlaylist {
  constructor(audio) {
    this.audio = audio;
    this.queue = [];
    this.current = -1;
    this.waiting = false; // at the end of what is ready: go on as soon as more is
    audio.addEventListener("ended", () => this.next(true));
  }

  add(segments) {
    for (const segment of segments.slice(this.queue.length)) this.queue.push(segment);
    if (this.current < 0) this.next(false);
    else if (this.waiting) this.next(true);
  }

  next(play) {
    if (this.current + 1 >= this.queue.length) {
      this.waiting = play;
      return;
    }
    this.waiting = false;
    this.current += 1;
    this.audio.src = this.queue[this.current].url;
    if (play) this.audio.play().catch(() => {});
  }

  // The position in the whole book.
  get position() {
    const segment = this.queue[this.current];
    return segment ? segment.start + this.audio.currentTime : 0;
  }

  stop() {}
}

// ---- the page -----------------------------------------------------------------------------------

function renderChapters(list, chapters, seek) {
  list.replaceChildren(
    ...chapters.map((chapter) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "chapter";
      const title = document.createElement("span");
      title.className = "chapter-title";
      title.textContent = chapter.finished ? chapter.title : `${chapter.title} (converting)`;
      const time = document.createElement("span");
      time.className = "time";
      time.textContent = chapter.start_display;
      button.append(title, time);
      button.addEventListener("click", () => seek(chapter.start));
      item.append(button);
      return item;
    }),
  );
}

function setUp(root) {
  // The player is made here: without JavaScript the page offers the links instead.
  const audio = document.createElement("audio");
  audio.controls = true;
  audio.preload = "auto";
  audio.dataset.liveAudio = "";
  root.querySelector("h2").after(audio);
  const list = root.querySelector("[data-live-chapters]");
  const readyField = root.querySelector('[data-field="ready"]');
  const place = positionWriter(root);
  const useMse = window.MediaSource?.isTypeSupported?.("audio/mpeg");
  const stream = useMse ? new SegmentStream(audio) : new SegmentPlaylist(audio);
  let listened = false;
  let handedOver = false;

  root.dataset.mode = useMse ? "mse" : "playlist";
  const position = () => (useMse ? audio.currentTime : stream.position);
  audio.addEventListener("play", () => {
    listened = true;
  });
  const remember = () => {
    if (listened && !handedOver && position() > 0) place.send(position(), false);
  };
  audio.addEventListener("timeupdate", () => {
    if (!audio.paused && place.due()) remember();
  });
  audio.addEventListener("pause", remember);
  window.addEventListener("pagehide", remember);

  function seek(seconds) {
    if (useMse) {
      audio.currentTime = seconds;
      return;
    }
    const index = stream.queue.findLastIndex((s) => s.start <= seconds + 0.001);
    if (index < 0) return;
    stream.current = index - 1;
    stream.next(!audio.paused);
    audio.addEventListener(
      "loadedmetadata",
      () => {
        audio.currentTime = seconds - stream.queue[index].start;
      },
      { once: true },
    );
  }

  // The transcript of what is ready: each segment's captions, in order, as they come.
  const cueList = root.querySelector("[data-live-cues]");
  const cues = []; // {start, end, el}
  let cuesLoaded = 0;
  let loadingCues = false;
  let currentCue = null;

  async function loadCues(segments) {
    if (loadingCues || !cueList) return;
    loadingCues = true;
    try {
      while (cuesLoaded < segments.length && !handedOver) {
        const url = segments[cuesLoaded].url.replace(/\.mp3$/, ".json");
        const response = await fetch(url, { credentials: "same-origin" });
        if (!response.ok) break;
        for (const [start, end, text] of (await response.json()).cues) {
          const item = document.createElement("li");
          const button = document.createElement("button");
          button.type = "button";
          button.className = "cue";
          button.textContent = text;
          button.addEventListener("click", () => seek(start));
          item.append(button);
          cueList.append(item);
          cues.push({ start, end, el: button });
        }
        cuesLoaded += 1;
        root.querySelector("[data-live-transcript-panel]").hidden = false;
      }
    } catch {
      // Offline for a moment: the next status tries again.
    } finally {
      loadingCues = false;
    }
  }

  audio.addEventListener("timeupdate", () => {
    const t = position();
    const cue = cues.find((c) => c.start <= t && t < c.end);
    if (cue === currentCue) return;
    currentCue?.el.removeAttribute("aria-current");
    currentCue = cue;
    if (cue) {
      cue.el.setAttribute("aria-current", "true");
      const box = cue.el.closest(".transcript");
      box.scrollTop = cue.el.offsetTop - box.clientHeight / 3; // the box is the offsetParent
    }
  });

  function show(ready) {
    if (!ready || handedOver) return;
    loadCues(ready.segments);
    if (ready.segments.length) root.hidden = false;
    readyField.textContent = ready.seconds_display;
    root.dataset.readySeconds = String(ready.seconds);
    renderChapters(list, ready.chapters, seek);
    stream.add(ready.segments);
  }

  document.addEventListener("audiobook:status", (event) => show(event.detail.ready));
  document.addEventListener("audiobook:done", (event) => {
    if (event.detail.status !== "completed" || !listened || handedOver) return;
    event.preventDefault(); // no reload: we move to the finished MP3 ourselves
    handOver(root.dataset.audioUrl);
  });

  // The finished MP3 starts where the live audio is, as it gets there.
  async function handOver(url) {
    handedOver = true;
    const final = document.createElement("audio");
    final.controls = true;
    final.preload = "auto";
    final.dataset.liveAudio = "";
    final.dataset.final = "";
    final.playbackRate = audio.playbackRate;
    final.src = url;
    await once(final, "loadedmetadata");
    const playing = !audio.paused;
    const target = position() + (playing ? HANDOVER_LEAD * audio.playbackRate : 0);
    final.currentTime = target;
    await once(final, "seeked");
    if (final.readyState < HTMLMediaElement.HAVE_FUTURE_DATA) await once(final, "canplay");
    if (playing) {
      // Wait for the live stream to reach the moment the finished MP3 is ready at.
      while (!audio.paused && position() < final.currentTime) {
        await new Promise((resolve) => requestAnimationFrame(resolve));
      }
      // A frame past it at most: repeating ~20 ms is not heard; seeking again would be.
      root.dataset.handoverFrom = position().toFixed(3);
      await final.play().catch(() => {});
    } else {
      root.dataset.handoverFrom = position().toFixed(3);
      final.currentTime = position();
    }
    root.dataset.handoverTo = final.currentTime.toFixed(3);
    audio.pause();
    stream.stop();
    audio.replaceWith(final);
    place.send(final.currentTime, false);
    root.dataset.handedOver = "true";
    readyField.textContent = clock(final.duration);
    const note = root.querySelector('[data-field="live-note"]');
    if (note) note.textContent = " · the whole book is ready; pause for the full player";
    const badge = root.querySelector(".live-badge");
    if (badge) badge.textContent = "Ready";
    // From here the finished MP3's place is written; a pause (or the end) is the moment to
    // bring in the full player (bar, bookmarks, transcript) without cutting anyone off.
    final.addEventListener("timeupdate", () => {
      if (!final.paused && place.due()) place.send(final.currentTime, false);
    });
    window.addEventListener("pagehide", () => place.send(final.currentTime, final.ended));
    // After the server has the place: the page fetched for the full player then starts there.
    const bringInPlayer = async () => {
      await place.send(final.currentTime, final.ended);
      document.dispatchEvent(new CustomEvent("audiobook:refresh"));
    };
    final.addEventListener("pause", bringInPlayer, { once: true });
    if (final.paused) bringInPlayer(); // handed over while paused: now is the moment
  }

  // The first look, before progress.js's first poll.
  fetch(root.closest("article").querySelector("[data-status-url]")?.dataset.statusUrl ?? "", {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
    cache: "no-store",
  })
    .then((response) => (response.ok ? response.json() : null))
    .then((state) => show(state?.ready))
    .catch(() => {});
}

const root = document.querySelector("[data-live]");
if (root) setUp(root);
