// The upload, convert and account forms: "Play a sample" plays the voice chosen in the list
// next to it.
// Without JavaScript the button stays hidden and the voices page has every sample.

for (const button of document.querySelectorAll("[data-voice-sample]")) {
  const field = button.closest(".field");
  const select = field?.querySelector("select");
  const player = field?.querySelector("[data-voice-player]");
  if (!select || !player) continue;
  const update = () => {
    button.disabled = select.value === "auto";
    button.title = button.disabled ? "Choose a voice to hear it" : "";
  };
  button.addEventListener("click", () => {
    if (select.value === "auto") return;
    player.src = button.dataset.voiceSample.replace("VOICE", encodeURIComponent(select.value));
    player.play();
  });
  select.addEventListener("change", () => {
    player.pause();
    update();
  });
  button.hidden = false;
  update();
}

// "Play" links (the account page's pronunciation list): play the clip here instead of opening
// it. Without JavaScript the link opens the MP3.
let clip;
for (const link of document.querySelectorAll("a[data-play]")) {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    clip?.pause();
    clip = new Audio(link.href);
    clip.play();
  });
}
