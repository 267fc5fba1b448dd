// Live conversion progress: polls status.json of every element with data-status-url (books
// waiting or converting) every 2 s and updates its status, progress bar and, when the book is
// done, its length and size. Status changes are said through the page's one polite live region.
// On the detail page (data-refresh-when-done) a finished book's page is fetched again and its
// parts marked data-live-part are swapped in place, so the player or the error appears while
// anything typed elsewhere (a rename) stays. The upload's "... waiting to be converted" message
// goes once no watched book waits. Without JavaScript the page refreshes itself (a meta refresh
// in <noscript>).

import { announce } from "./announce.js";

const INTERVAL_MS = 2000;
const ACTIVE = new Set(["pending", "processing"]);

function field(root, name) {
  return root.querySelector(`[data-field="${name}"]`);
}

function setText(root, name, text) {
  const el = field(root, name);
  if (el) el.textContent = text;
  return el;
}

function show(el, visible) {
  if (el) el.hidden = !visible;
}

function update(root, state) {
  const status = field(root, "status");
  if (root.dataset.lastStatus && root.dataset.lastStatus !== state.status) {
    const title = state.title ? `${state.title}: ` : "";
    announce(`${title}${state.status_display}${state.error ? `. ${state.error}` : ""}`);
  }
  root.dataset.lastStatus = state.status;
  if (status) {
    status.textContent = state.status_display;
    status.className = `status status-${state.status}`;
  }
  const bar = field(root, "progress");
  if (bar) {
    if (state.status === "processing") bar.value = state.progress;
    else bar.removeAttribute("value"); // waiting in the queue: an indeterminate bar
    bar.textContent = `${state.progress}%`;
  }
  const percent = setText(root, "percent", `${state.progress}%`);
  show(percent, state.status === "processing");
  show(field(root, "hint"), state.status === "pending");
  show(field(root, "progress-wrap"), ACTIVE.has(state.status));
  if (state.duration_display) {
    setText(root, "duration-value", state.duration_display);
    show(field(root, "duration"), true);
  }
  if (state.size_display) {
    setText(root, "size-value", state.size_display);
    show(field(root, "size"), true);
  }
  const eta = setText(root, "eta", state.eta?.text || "");
  show(eta, Boolean(state.eta?.text));
  const error = setText(root, "error", state.error || "");
  show(error, Boolean(state.error));
}

async function poll(root) {
  const url = root.dataset.statusUrl;
  let state;
  try {
    const response = await fetch(url, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    });
    if (!response.ok || !response.headers.get("Content-Type")?.includes("json")) {
      // Deleted, or signed out (the login page came back): stop asking.
      return response.status >= 500; // a server hiccup: try again later
    }
    state = await response.json();
  } catch {
    return true; // offline for a moment: try again later
  }
  update(root, state);
  root.dataset.waiting = String(state.status === "pending");
  // live.js listens: the ready part of a converting book, and the moment it is done.
  document.dispatchEvent(new CustomEvent("audiobook:status", { detail: state }));
  if (ACTIVE.has(state.status)) return true;
  const done = new CustomEvent("audiobook:done", { detail: state, cancelable: true });
  // A listener that cancels it (live.js, while playing) moves to the finished audio itself.
  if ("refreshWhenDone" in root.dataset && document.dispatchEvent(done)) await refreshInPlace();
  delete root.dataset.statusUrl;
  return false;
}

// The finished page's parts (state, player, facts, ...) in place of the current ones.
async function refreshInPlace() {
  let fresh;
  try {
    const response = await fetch(window.location.href, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) return;
    fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  } catch {
    return; // offline: the status line already says it is done
  }
  for (const part of document.querySelectorAll("[data-live-part]")) {
    const name = part.dataset.livePart;
    const replacement = fresh.querySelector(`[data-live-part="${name}"]`);
    if (!replacement) continue;
    const audio = part.querySelector("audio");
    if (audio && !audio.paused) continue; // never cut off someone listening
    part.replaceWith(document.adoptNode(replacement));
  }
  if (document.querySelector("[data-player]:not([data-ready])")) {
    const player = await import("./player.js");
    player.start();
    const position = await import("./position.js");
    position.start(); // follows the new player's place on the server
  }
}

function dropWaitingMessage(watched) {
  if (watched.some((root) => root.dataset.waiting !== "false")) return;
  for (const message of document.querySelectorAll(".message.waiting")) {
    const list = message.parentElement;
    message.remove();
    if (!list.children.length) list.closest(".messages")?.remove();
  }
}

function start() {
  let watched = [...document.querySelectorAll("[data-status-url]")];
  if (!watched.length) return;
  for (const root of watched) {
    // The status the page was rendered with: a change from it is announced.
    const rendered = field(root, "status")?.className.match(/status-(\w+)/);
    if (rendered) root.dataset.lastStatus = rendered[1];
  }
  const tick = async () => {
    if (!document.hidden) {
      const keep = await Promise.all(watched.map(poll));
      dropWaitingMessage(watched);
      watched = watched.filter((_, i) => keep[i]);
    }
    if (watched.length) window.setTimeout(tick, INTERVAL_MS);
  };
  window.setTimeout(tick, INTERVAL_MS);
}

// live.js, when the listener pauses the finished MP3 it moved to: the full player now.
document.addEventListener("audiobook:refresh", refreshInPlace);

start();
