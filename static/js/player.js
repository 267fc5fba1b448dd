// The audiobook player: skip buttons, playback speed, chapters that seek, and a transcript
// panel built from the <track>'s WebVTT cues with the sentence being read highlighted (select
// one to seek). The listening position is position.js's. The <audio> element with its own
// controls works without any of this.

const SPEED_KEY = "audiobooker:speed";

const root = document.querySelector("[data-player]");
if (root) setUp(root);

function store(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, String(value));
  } catch {
    // Private mode or storage full: the player works, it just forgets.
  }
}

function recall(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function formatTime(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function setUp(root) {
  const audio = root.querySelector("audio");
  let currentCue = null; // the highlighted sentence and chapter
  let currentChapter = null;

  const seek = (seconds, play = true) => {
    const end = Number.isFinite(audio.duration) ? audio.duration : Infinity;
    audio.currentTime = Math.min(Math.max(0, seconds), end);
    if (play && audio.paused) audio.play().catch(() => {});
  };

  // ---- skip and speed ------------------------------------------------------------------------
  const controls = root.querySelector("[data-controls]");
  controls.hidden = false;
  for (const button of controls.querySelectorAll("[data-skip]")) {
    button.addEventListener("click", () => {
      seek(audio.currentTime + Number(button.dataset.skip), false);
    });
  }
  const speed = controls.querySelector("[data-speed]");
  const applySpeed = (value) => {
    const rate = Number(value);
    if (!(rate > 0)) return;
    audio.defaultPlaybackRate = rate;
    audio.playbackRate = rate;
  };
  const savedSpeed = recall(SPEED_KEY);
  if (savedSpeed && [...speed.options].some((o) => o.value === savedSpeed)) {
    speed.value = savedSpeed;
    applySpeed(savedSpeed);
  }
  speed.addEventListener("change", () => {
    applySpeed(speed.value);
    store(SPEED_KEY, speed.value);
  });
  // Loading new data resets the rate in some browsers.
  audio.addEventListener("loadedmetadata", () => applySpeed(speed.value));

  // ---- chapters ------------------------------------------------------------------------------
  const chapters = [...root.querySelectorAll(".chapter[data-start]")].map((button) => {
    button.disabled = false;
    const start = Number(button.dataset.start);
    button.addEventListener("click", () => seek(start));
    return { button, start };
  });

  // ---- transcript ----------------------------------------------------------------------------
  const panel = root.querySelector("[data-transcript]");
  let cues = []; // [{start, end, el}], sorted by start
  let userScrolledAt = 0;
  panel.addEventListener("wheel", () => (userScrolledAt = Date.now()), { passive: true });
  panel.addEventListener("touchmove", () => (userScrolledAt = Date.now()), { passive: true });

  const showCues = (list) => {
    if (!list.length) return;
    const items = document.createElement("ol");
    items.className = "cues";
    cues = list.map(({ start, end, text }) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "cue";
      button.dataset.start = String(start);
      button.title = formatTime(start);
      button.textContent = text;
      button.addEventListener("click", () => seek(start));
      li.append(button);
      items.append(li);
      return { start, end, el: button };
    });
    panel.replaceChildren(items);
    highlight();
  };

  const track = root.querySelector("track");
  let loaded = false;
  const fromTrack = () => {
    if (loaded) return;
    // cue.text is the cue's raw markup ("Fish &amp; Chips"); getCueAsHTML() is the browser's
    // own WebVTT parse of it, whose text is what the sentence says.
    const list = [...(track.track.cues || [])].map((cue) => ({
      start: cue.startTime,
      end: cue.endTime,
      text: cue.getCueAsHTML().textContent.trim(),
    }));
    if (list.length) {
      loaded = true;
      showCues(list);
    }
  };
  const fromFetch = async () => {
    if (loaded) return;
    try {
      const response = await fetch(track.src, { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const list = parseVtt(await response.text());
      if (!loaded && list.length) {
        loaded = true;
        showCues(list);
      }
    } catch {
      panel.querySelector("[data-transcript-note]").textContent =
        "The transcript could not be loaded.";
    }
  };
  if (track && track.track) {
    track.track.mode = "hidden"; // load the cues without drawing captions
    if (track.readyState === HTMLTrackElement.LOADED) fromTrack();
    track.addEventListener("load", fromTrack);
    track.addEventListener("error", fromFetch);
    // Browsers that never load a track for <audio>: read the file ourselves.
    window.setTimeout(() => loaded || fromFetch(), 3000);
  } else {
    fromFetch();
  }

  // ---- following the playback ----------------------------------------------------------------

  function lastStartingBefore(list, time) {
    let lo = 0;
    let hi = list.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].start <= time + 0.01) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  function highlight() {
    const time = audio.currentTime;
    const ci = lastStartingBefore(cues, time);
    const cue = ci >= 0 && time < cues[ci].end + 0.5 ? cues[ci] : null;
    if (cue !== currentCue) {
      currentCue?.el.removeAttribute("aria-current");
      cue?.el.setAttribute("aria-current", "true");
      currentCue = cue;
      if (cue && Date.now() - userScrolledAt > 4000) {
        // Scroll the panel only (never the page) to keep the sentence in view.
        const top = cue.el.offsetTop; // the panel is the positioned parent
        if (top < panel.scrollTop || top + cue.el.offsetHeight > panel.scrollTop + panel.clientHeight) {
          panel.scrollTop = Math.max(0, top - panel.clientHeight / 3);
        }
      }
    }
    const hi = lastStartingBefore(chapters, time);
    const chapter = hi >= 0 ? chapters[hi] : null;
    if (chapter !== currentChapter) {
      currentChapter?.button.removeAttribute("aria-current");
      chapter?.button.setAttribute("aria-current", "true");
      currentChapter = chapter;
    }
  }
  audio.addEventListener("timeupdate", highlight);
  audio.addEventListener("seeked", highlight);
}

// Cue text is WebVTT markup: tags (<v Name>, <c.loud>, <00:01.000>) and character references
// (&amp;, &lt;, &#8212;). Decoded in one pass, so that a PDF's own "&amp;" stays "&amp;".
function cueText(markup) {
  if (typeof VTTCue === "function") {
    return new VTTCue(0, 1, markup).getCueAsHTML().textContent; // the browser's WebVTT parser
  }
  // Without VTTCue: drop the tags, then the HTML parser decodes the references (a document
  // from DOMParser runs no scripts and loads nothing).
  const html = new DOMParser().parseFromString(markup.replace(/<[^>]*>/g, ""), "text/html");
  return html.body.textContent;
}

// A small WebVTT reader for the fallback: cue timings and text, nothing else.
function parseVtt(text) {
  const seconds = (stamp) => {
    const parts = stamp.trim().split(":").map(Number);
    return parts.reduce((total, part) => total * 60 + part, 0);
  };
  const cues = [];
  for (const block of text.replace(/\r\n?/g, "\n").split(/\n{2,}/)) {
    const lines = block.split("\n");
    const at = lines.findIndex((line) => line.includes("-->"));
    if (at < 0) continue;
    const [start, rest] = lines[at].split("-->");
    const end = rest.trim().split(/\s+/)[0];
    const body = cueText(lines.slice(at + 1).join(" ")).trim();
    if (body) cues.push({ start: seconds(start), end: seconds(end), text: body });
  }
  return cues;
}
