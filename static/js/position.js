// The listening position, kept on the server so that every browser the listener signs in from
// continues where they stopped (library:position). It works only through the <audio> element's
// events: written at most once every WRITE_EVERY_MS while playing, once more on pause and when
// the page is left (fetch with keepalive, which outlives the page). Each write is also kept in
// localStorage; one that never reached the server (offline) and is newer than the server's
// position wins on the next visit, and is sent again. A book listened to the end starts again
// from the beginning.

const WRITE_EVERY_MS = 10_000;

const root = document.querySelector("[data-player][data-position-url]");
if (root) follow(root);

function read(key) {
  try {
    const entry = JSON.parse(localStorage.getItem(key));
    return entry && Number.isFinite(entry.position) ? entry : null;
  } catch {
    return null; // storage off, or not ours
  }
}

function keep(key, entry) {
  try {
    localStorage.setItem(key, JSON.stringify(entry));
  } catch {
    // Private mode or storage full: the server still has it.
  }
}

function follow(root) {
  const audio = root.querySelector("audio");
  const key = `audiobooker:position:${root.dataset.book}`;
  const server = {
    position: Number.parseFloat(root.dataset.position) || 0,
    finished: root.dataset.finished === "true",
    at: (Number.parseInt(root.dataset.positionAt, 10) || 0) * 1000,
  };
  const local = read(key);
  const unsent = local && !local.synced && local.at > server.at ? local : null;
  const start = unsent || server;

  let lastSent = null; // "position finished" of the last write, to skip repeats
  let lastWrite = 0;
  const send = (position, finished) => {
    const said = `${position.toFixed(1)} ${finished}`;
    if (said === lastSent) return;
    lastSent = said;
    lastWrite = Date.now();
    const entry = { position, finished, at: lastWrite, synced: false };
    keep(key, entry);
    const body = new URLSearchParams({
      position: position.toFixed(1),
      finished: finished ? "true" : "",
      csrfmiddlewaretoken: root.dataset.csrf,
    });
    fetch(root.dataset.positionUrl, {
      method: "POST",
      body,
      keepalive: true,
      credentials: "same-origin",
      headers: { "X-CSRFToken": root.dataset.csrf },
    })
      .then((response) => {
        if (response.ok && read(key)?.at === entry.at) keep(key, { ...entry, synced: true });
      })
      .catch(() => {}); // offline: localStorage has it, and it is sent again later
  };

  // ---- resume: the server's place, or this browser's unsent one --------------------------------
  let resumed = false;
  const resume = () => {
    if (resumed) return;
    resumed = true;
    const at = start.finished ? 0 : start.position;
    if (at > 0 && (!Number.isFinite(audio.duration) || at < audio.duration - 1)) {
      audio.currentTime = at;
    }
    if (unsent) send(unsent.position, unsent.finished);
  };
  if (audio.readyState >= HTMLMediaElement.HAVE_METADATA) resume();
  else audio.addEventListener("loadedmetadata", resume, { once: true });

  // ---- remember ----------------------------------------------------------------------------------
  // Only once the listener has played or moved: opening the page alone changes nothing (a
  // finished book stays finished, the "Continue listening" order stays).
  let touched = false;
  audio.addEventListener("play", () => (touched = true));
  audio.addEventListener("seeked", () => {
    if (resumed && Math.abs(audio.currentTime - (start.finished ? 0 : start.position)) > 1) {
      touched = true;
    }
  });
  const write = () => {
    if (resumed && touched && !audio.ended) send(audio.currentTime, false);
  };
  audio.addEventListener("timeupdate", () => {
    if (!audio.paused && Date.now() - lastWrite >= WRITE_EVERY_MS) write();
  });
  audio.addEventListener("pause", write);
  audio.addEventListener("ended", () => resumed && send(audio.currentTime, true));
  window.addEventListener("pagehide", write);
  window.addEventListener("online", () => {
    const entry = read(key);
    if (entry && !entry.synced) {
      lastSent = null;
      send(entry.position, entry.finished);
    }
  });
}
