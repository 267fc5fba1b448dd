// The listening position, kept on the server so that every browser the listener signs in from
// continues where they stopped (library:position). It works only through the <audio> element's
// events: written at most once every WRITE_EVERY_MS while playing, once more on pause and when
// the page is left (fetch with keepalive, which outlives the page). Each write is also kept in
// localStorage; one that never reached the server (offline) and is newer than the server's
// position wins on the next visit, and is sent again. A book listened to the end starts again
// from the beginning.

// live.js writes a converting book's place with the same writer: the finished book's player
// resumes there.

const WRITE_EVERY_MS = 10_000;

// Follows the page's player; again after progress.js swapped a new one in.
export function start() {
  const root = document.querySelector("[data-player][data-position-url]:not([data-followed])");
  if (!root) return;
  root.dataset.followed = "";
  follow(root);
}

start();

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

// Writes one book's place (root: data-book, data-position-url, data-csrf) to the server and
// to localStorage, skipping repeats. `send` returns a promise settled when the server has
// answered (or could not be reached).
export function positionWriter(root) {
  const key = `audiobooker:position:${root.dataset.book}`;
  let lastSent = null; // "position finished" of the last write
  let lastWrite = 0;
  let lastAnswer = Promise.resolve(); // of the last write
  const writer = {
    key,
    // While playing: whether the next write is due (at most one every WRITE_EVERY_MS).
    due: () => Date.now() - lastWrite >= WRITE_EVERY_MS,
    send(position, finished) {
      const said = `${position.toFixed(1)} ${finished}`;
      if (said === lastSent) return lastAnswer;
      lastSent = said;
      lastWrite = Date.now();
      const entry = { position, finished, at: lastWrite, synced: false };
      keep(key, entry);
      const body = new URLSearchParams({
        position: position.toFixed(1),
        finished: finished ? "true" : "",
        csrfmiddlewaretoken: root.dataset.csrf,
      });
      lastAnswer = fetch(root.dataset.positionUrl, {
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
      return lastAnswer;
    },
    // A write that never reached the server (offline), sent again.
    resend() {
      const entry = read(key);
      if (entry && !entry.synced) {
        lastSent = null;
        writer.send(entry.position, entry.finished);
      }
    },
  };
  return writer;
}

function follow(root) {
  const audio = root.querySelector("audio");
  const writer = positionWriter(root);
  const server = {
    position: Number.parseFloat(root.dataset.position) || 0,
    finished: root.dataset.finished === "true",
    at: (Number.parseInt(root.dataset.positionAt, 10) || 0) * 1000,
  };
  const local = read(writer.key);
  const unsent = local && !local.synced && local.at > server.at ? local : null;
  const start = unsent || server;
  const send = writer.send;

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
    if (!audio.paused && writer.due()) write();
  });
  audio.addEventListener("pause", write);
  audio.addEventListener("ended", () => resumed && send(audio.currentTime, true));
  window.addEventListener("pagehide", write);
  window.addEventListener("online", writer.resend);
}
