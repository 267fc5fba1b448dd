// The page's one polite live region (#announcer in base.html): status changes and the player's
// jumps are said once, in turn, without interrupting a screen reader.

let pending = 0;

export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region || !text) return;
  // Clear, then set on the next frame: the same words twice in a row are announced again.
  window.clearTimeout(pending);
  region.textContent = "";
  pending = window.setTimeout(() => (region.textContent = text), 100);
}
