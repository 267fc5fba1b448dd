// The transcript panel: one Tab stop. The server renders the sentences (<li data-start
// data-end>); this turns each into a button that plays from it, moves between them with the
// arrow keys, Home, End and Page Up/Down (a roving tabindex), and highlights the sentence being
// read, scrolling the panel (never the page) to keep it in view. Without sentences from the
// server (a book still converting) they are read from the <track>'s WebVTT.

const PAGE = 10;

export function lastStartingBefore(list, time) {
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

export function formatTime(seconds) {
  const total = Math.max(0, Math.floor(seconds || 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

export function setUpTranscript(root, audio, seek) {
  const panel = root.querySelector("[data-transcript]");
  const result = { current: () => currentCue?.text || "" };
  if (!panel) return result;
  let cues = []; // [{start, end, text, el}], sorted by start
  let currentCue = null;
  let userScrolledAt = 0;
  panel.addEventListener("wheel", () => (userScrolledAt = Date.now()), { passive: true });
  panel.addEventListener("touchmove", () => (userScrolledAt = Date.now()), { passive: true });

  let rover = null; // the one sentence in the Tab order
  const rove = (el) => {
    if (el === rover) return;
    if (rover) rover.tabIndex = -1;
    el.tabIndex = 0;
    rover = el;
  };

  const build = (list) => {
    if (!list.length) return;
    const items = document.createElement("ol");
    items.className = "cues";
    cues = list.map(({ start, end, text }, index) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "cue";
      button.tabIndex = -1;
      button.dataset.index = String(index);
      button.title = formatTime(start);
      button.textContent = text;
      li.append(button);
      items.append(li);
      return { start, end, text, el: button };
    });
    items.addEventListener("click", (event) => {
      const button = event.target.closest(".cue");
      if (!button) return;
      rove(button);
      seek(cues[Number(button.dataset.index)].start, true);
    });
    items.addEventListener("keydown", (event) => {
      const button = event.target.closest(".cue");
      if (!button || event.altKey || event.ctrlKey || event.metaKey) return;
      const at = Number(button.dataset.index);
      const to = {
        ArrowDown: at + 1,
        ArrowRight: at + 1,
        ArrowUp: at - 1,
        ArrowLeft: at - 1,
        PageDown: at + PAGE,
        PageUp: at - PAGE,
        Home: 0,
        End: cues.length - 1,
      }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      const target = cues[Math.min(Math.max(0, to), cues.length - 1)].el;
      rove(target);
      target.focus();
    });
    panel.replaceChildren(items);
    panel.removeAttribute("tabindex"); // the sentences are the Tab stop now
    rove(cues[0].el);
    highlight();
  };

  const serverCues = [...panel.querySelectorAll("li.cue[data-start]")].map((li) => ({
    start: Number(li.dataset.start),
    end: Number(li.dataset.end),
    text: li.textContent.trim(),
  }));
  if (serverCues.length) build(serverCues);
  else loadFromTrack(root, panel, build);

  function highlight() {
    const time = audio.currentTime;
    const ci = lastStartingBefore(cues, time);
    const cue = ci >= 0 && time < cues[ci].end + 0.5 ? cues[ci] : null;
    if (cue === currentCue) return;
    currentCue?.el.removeAttribute("aria-current");
    cue?.el.setAttribute("aria-current", "true");
    currentCue = cue;
    if (!cue) return;
    if (!panel.contains(document.activeElement)) rove(cue.el);
    if (Date.now() - userScrolledAt > 4000) {
      // Scroll the panel only (never the page) to keep the sentence in view.
      const top = cue.el.offsetTop; // the panel is the positioned parent
      if (top < panel.scrollTop || top + cue.el.offsetHeight > panel.scrollTop + panel.clientHeight) {
        panel.scrollTop = Math.max(0, top - panel.clientHeight / 3);
      }
    }
  }
  audio.addEventListener("timeupdate", highlight);
  audio.addEventListener("seeked", highlight);
  return result;
}

// ---- sentences from the WebVTT, when the page has none ----------------------------------------

function loadFromTrack(root, panel, build) {
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
      build(list);
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
        build(list);
      }
    } catch {
      const note = panel.querySelector("[data-transcript-note]");
      if (note) note.textContent = "The transcript could not be loaded.";
    }
  };
  if (track && track.track) {
    track.track.mode = "hidden"; // load the cues without drawing captions
    if (track.readyState === HTMLTrackElement.LOADED) fromTrack();
    track.addEventListener("load", fromTrack);
    track.addEventListener("error", fromFetch);
    // Browsers that never load a track for <audio>: read the file ourselves.
    window.setTimeout(() => loaded || fromFetch(), 3000);
  } else if (track) {
    fromFetch();
  }
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
