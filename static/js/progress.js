// Live conversion progress: polls status.json of every element with data-status-url (books
// waiting or converting) every 2 s and updates its status, progress bar and, when the book is
// done, its length and size. An element with data-reload-when-done (the detail page) reloads
// instead, so the player or the error appears. Without JavaScript the page shows the state it
// was rendered with.

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
  // live.js listens: the ready part of a converting book, and the moment it is done.
  document.dispatchEvent(new CustomEvent("audiobook:status", { detail: state }));
  if (ACTIVE.has(state.status)) return true;
  const done = new CustomEvent("audiobook:done", { detail: state, cancelable: true });
  // A listener that cancels it (live.js, while playing) moves to the finished audio itself.
  if ("reloadWhenDone" in root.dataset && document.dispatchEvent(done)) {
    window.location.reload();
  }
  delete root.dataset.statusUrl;
  return false;
}

function start() {
  let watched = [...document.querySelectorAll("[data-status-url]")];
  if (!watched.length) return;
  const tick = async () => {
    if (!document.hidden) {
      const keep = await Promise.all(watched.map(poll));
      watched = watched.filter((_, i) => keep[i]);
    }
    if (watched.length) window.setTimeout(tick, INTERVAL_MS);
  };
  window.setTimeout(tick, INTERVAL_MS);
}

start();
