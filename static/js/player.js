// The audiobook player. Without JavaScript the page has the <audio> element's own controls,
// chapters as links to the MP3 at their time (#t=) and the transcript as text. This module
// hides those controls behind a compact bar that stays on screen (position: sticky) while the
// chapters or transcript scroll: play/pause, back 15 s / forward 30 s, previous/next chapter,
// the chapter's name and time left, a seek bar with chapter ticks, speed (remembered), a sleep
// timer, bookmarks; keyboard shortcuts (? lists them); the Media Session (lock screens,
// headsets). The transcript lives in transcript.js, the listening position in position.js.

import { announce } from "./announce.js";
import { formatTime, lastStartingBefore, setUpTranscript } from "./transcript.js";

const SPEED_KEY = "audiobooker:speed";
const RESTART_CHAPTER_AFTER = 3; // s: "previous chapter" first goes back to this one's start
const FIELDS = "input, select, textarea, [contenteditable]:not([contenteditable='false'])";

// Sets up the page's player; again after progress.js swapped a new one in.
export function start() {
  const root = document.querySelector("[data-player]:not([data-ready])");
  if (!root) return;
  root.dataset.ready = "";
  setUp(root);
}

start();

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

function setUp(root) {
  const audio = root.querySelector("audio");
  const bar = root.querySelector("[data-controls]");
  const field = (name) => bar.querySelector(`[data-${name}]`);
  const duration = () => (Number.isFinite(audio.duration) ? audio.duration : Number(field("seek").max) || 0);

  audio.controls = false; // the bar replaces them
  bar.hidden = false;

  const seek = (seconds, play = false) => {
    const end = duration() || Infinity;
    audio.currentTime = Math.min(Math.max(0, seconds), end);
    if (play && audio.paused) audio.play().catch(() => {});
  };
  const skip = (seconds) => seek(audio.currentTime + seconds);
  const toggle = () => (audio.paused ? audio.play().catch(() => {}) : audio.pause());

  // ---- chapters ------------------------------------------------------------------------------
  const chapters = [...root.querySelectorAll(".chapter[data-start]")].map((link) => ({
    link,
    start: Number(link.dataset.start),
    title: link.querySelector(".chapter-title").textContent.trim(),
  }));
  const chapterAt = (time) => lastStartingBefore(chapters, time);
  const chapterEnd = (index) => chapters[index + 1]?.start ?? duration();
  root.querySelector(".chapters")?.addEventListener("click", (event) => {
    const link = event.target.closest(".chapter[data-start]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    seek(Number(link.dataset.start), true);
  });
  const stepChapter = (step) => {
    if (!chapters.length) return;
    const at = chapterAt(audio.currentTime);
    let to = at + step;
    if (step < 0 && at >= 0 && audio.currentTime - chapters[at].start > RESTART_CHAPTER_AFTER) to = at;
    if (to >= chapters.length) return;
    seek(chapters[Math.max(0, to)].start);
  };

  // ---- the bar -------------------------------------------------------------------------------
  for (const button of bar.querySelectorAll("[data-skip]")) {
    button.addEventListener("click", () => skip(Number(button.dataset.skip)));
  }
  for (const button of bar.querySelectorAll("[data-chapter-step]")) {
    button.hidden = chapters.length < 2;
    button.addEventListener("click", () => stepChapter(Number(button.dataset.chapterStep)));
  }
  const play = field("play");
  play.addEventListener("click", toggle);
  const showPlaying = () => {
    const playing = !audio.paused;
    root.classList.toggle("is-playing", playing);
    field("play-label").textContent = playing ? "Pause" : "Play";
  };
  audio.addEventListener("play", showPlaying);
  audio.addEventListener("pause", showPlaying);

  const range = field("seek");
  let dragging = false;
  range.addEventListener("input", () => {
    dragging = true;
    field("elapsed").textContent = formatTime(Number(range.value));
  });
  range.addEventListener("change", () => {
    dragging = false;
    seek(Number(range.value));
  });

  const drawTicks = () => {
    const total = duration();
    const ticks = field("ticks");
    if (!total || ticks.childElementCount) return;
    for (const chapter of chapters.slice(1)) {
      const tick = document.createElement("span");
      tick.style.left = `${(100 * chapter.start) / total}%`;
      ticks.append(tick);
    }
  };

  let shownChapter = -2;
  const chapterChanged = (index) => {
    for (const [i, chapter] of chapters.entries()) {
      if (i === index) chapter.link.setAttribute("aria-current", "true");
      else chapter.link.removeAttribute("aria-current");
    }
    field("now-chapter").textContent = chapters[index]?.title || root.dataset.title;
    updateMetadata(index);
  };
  const showTime = () => {
    const time = audio.currentTime;
    const total = duration();
    if (total) {
      range.max = String(Math.ceil(total));
      field("total").textContent = formatTime(total);
    }
    if (!dragging) {
      range.value = String(Math.floor(time));
      field("elapsed").textContent = formatTime(time);
    }
    range.setAttribute("aria-valuetext", `${formatTime(time)} of ${formatTime(total)}`);
    const index = chapterAt(time);
    if (index !== shownChapter) {
      shownChapter = index;
      chapterChanged(index);
    }
    field("chapter-left").textContent =
      index >= 0 ? `${formatTime(chapterEnd(index) - time)} left in chapter` : "";
  };
  audio.addEventListener("timeupdate", showTime);
  audio.addEventListener("seeked", showTime);
  audio.addEventListener("durationchange", () => {
    drawTicks();
    showTime();
  });
  if (audio.readyState >= HTMLMediaElement.HAVE_METADATA) drawTicks();
  showTime();

  // ---- speed ---------------------------------------------------------------------------------
  const speed = field("speed");
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

  // ---- sleep timer ---------------------------------------------------------------------------
  const sleep = field("sleep");
  const sleepLeft = field("sleep-left");
  let sleepAt = 0; // Date.now() to pause at, or 0
  let sleepAtTime = -1; // audio time to pause at (end of chapter), or -1
  const sleepOff = () => {
    sleepAt = 0;
    sleepAtTime = -1;
    sleep.value = "";
    sleepLeft.textContent = "";
  };
  const fallAsleep = () => {
    audio.pause();
    sleepOff();
    announce("Sleep timer: paused.");
  };
  sleep.addEventListener("change", () => {
    sleepAt = 0;
    sleepAtTime = -1;
    sleepLeft.textContent = "";
    if (sleep.value === "chapter") {
      const index = chapterAt(audio.currentTime);
      sleepAtTime = index >= 0 ? chapterEnd(index) : duration();
    } else if (sleep.value) {
      sleepAt = Date.now() + Number(sleep.value) * 60_000;
    }
  });
  audio.addEventListener("timeupdate", () => {
    if (sleepAtTime >= 0 && audio.currentTime >= sleepAtTime - 0.25) fallAsleep();
  });
  window.setInterval(() => {
    if (!sleepAt) return;
    const left = (sleepAt - Date.now()) / 1000;
    if (left <= 0) fallAsleep();
    else sleepLeft.textContent = `${formatTime(left)} left`;
  }, 1000);

  // ---- transcript and announcements ----------------------------------------------------------
  const transcript = setUpTranscript(root, audio, seek);
  let announceTimer = 0;
  const sayWhere = () => {
    // After a jump or a pause, not during playback: the voice is already saying the sentence.
    window.clearTimeout(announceTimer);
    announceTimer = window.setTimeout(() => {
      const index = chapterAt(audio.currentTime);
      const where = [chapters[index]?.title, transcript.current()].filter(Boolean).join(": ");
      if (where) announce(audio.paused ? `Paused. ${where}` : where);
    }, 600);
  };
  audio.addEventListener("seeked", sayWhere);
  audio.addEventListener("pause", sayWhere);

  // ---- bookmarks: saved on the server, the list swapped in place ------------------------------
  const bookmarks = () => root.querySelector("[data-bookmarks]");
  const prepareBookmarks = () => {
    const position = bookmarks()?.querySelector(".bookmark-position");
    if (position) position.hidden = true; // filled in from the player
  };
  prepareBookmarks();
  const showBookmarkAt = () => {
    const at = bookmarks()?.querySelector("[data-bookmark-at]");
    if (at) at.textContent = ` at ${formatTime(audio.currentTime)}`;
  };
  audio.addEventListener("timeupdate", showBookmarkAt);
  showBookmarkAt();
  field("bookmark-here").addEventListener("click", () => {
    const form = bookmarks()?.querySelector(".bookmark-add");
    if (!form) return;
    form.querySelector("[name=position]").value = audio.currentTime.toFixed(1);
    form.dataset.fixed = ""; // this moment, however long the note takes to type
    form.querySelector("[name=note]").focus();
  });
  root.addEventListener("submit", async (event) => {
    const form = event.target.closest("[data-bookmark-form]");
    if (!form) return;
    event.preventDefault();
    const position = form.querySelector("[name=position]");
    if (position && !("fixed" in form.dataset)) position.value = audio.currentTime.toFixed(1);
    let fresh = null;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
      });
      const html = await response.text();
      fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-bookmarks]");
    } catch {
      fresh = null;
    }
    if (!fresh) {
      announce("The bookmarks could not be saved; try again.");
      return;
    }
    bookmarks().replaceWith(document.adoptNode(fresh));
    prepareBookmarks();
    showBookmarkAt();
    announce(position ? "Bookmark saved." : "Bookmark removed.");
  });
  root.addEventListener("click", (event) => {
    const link = event.target.closest(".bookmark[data-start]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    seek(Number(link.dataset.start), true);
  });

  // ---- keyboard shortcuts --------------------------------------------------------------------
  const help = root.querySelector("[data-shortcuts]");
  const showHelp = () => {
    if (!help.open) help.showModal();
  };
  root.querySelector("[data-shortcuts-open]").addEventListener("click", showHelp);
  document.addEventListener("keydown", (event) => {
    if (!root.isConnected) return; // replaced by a newer player
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target instanceof Element ? event.target : document.body;
    if (target.closest(FIELDS) || help.open) return;
    const onControl = target.closest("button, a, summary, audio");
    let action = null;
    switch (event.key) {
      case " ":
        if (!onControl) action = toggle; // Space on a button presses that button
        break;
      case "k":
        action = toggle;
        break;
      case "ArrowLeft":
        action = event.shiftKey ? () => stepChapter(-1) : () => skip(-15);
        break;
      case "ArrowRight":
        action = event.shiftKey ? () => stepChapter(1) : () => skip(30);
        break;
      case "j":
        action = () => stepChapter(-1);
        break;
      case "l":
        action = () => stepChapter(1);
        break;
      case "?":
        action = showHelp;
        break;
    }
    if (!action) return;
    event.preventDefault();
    action();
  });

  // ---- Media Session: lock screens, headsets, notification areas --------------------------
  function updateMetadata(index) {
    if (!("mediaSession" in navigator) || typeof MediaMetadata !== "function") return;
    const cover = root.dataset.cover;
    navigator.mediaSession.metadata = new MediaMetadata({
      title: root.dataset.title,
      artist: root.dataset.author || "",
      album: chapters[index]?.title || "",
      artwork: cover ? [{ src: cover, type: root.dataset.coverType || "image/png" }] : [],
    });
  }
  if ("mediaSession" in navigator) {
    const session = navigator.mediaSession;
    const handle = (action, handler) => {
      try {
        session.setActionHandler(action, handler);
      } catch {
        // This browser does not know the action.
      }
    };
    handle("play", () => audio.play().catch(() => {}));
    handle("pause", () => audio.pause());
    handle("stop", () => audio.pause());
    handle("seekbackward", (details) => skip(-(details?.seekOffset || 15)));
    handle("seekforward", (details) => skip(details?.seekOffset || 30));
    handle("seekto", (details) => seek(details.seekTime));
    handle("previoustrack", () => stepChapter(-1));
    handle("nexttrack", () => stepChapter(1));
    const position = () => {
      const total = duration();
      session.playbackState = audio.paused ? "paused" : "playing";
      if (!total || !session.setPositionState) return;
      try {
        session.setPositionState({
          duration: total,
          playbackRate: audio.playbackRate,
          position: Math.min(audio.currentTime, total),
        });
      } catch {
        // A position past a duration not yet known: the next update fixes it.
      }
    };
    for (const name of ["play", "pause", "seeked", "ratechange", "durationchange"]) {
      audio.addEventListener(name, position);
    }
  }
}
