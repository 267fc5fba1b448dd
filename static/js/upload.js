// The drop zone: the file input itself takes dropped files (that part needs no JavaScript);
// this adds a highlight while dragging, lists the chosen files, keeps a file dropped beside the
// box from replacing the page, and says that the title applies to a single file only.

const input = document.querySelector("input[type=file].dropzone");
if (input) {
  const list = document.querySelector("[data-chosen]");
  const titleField = document.querySelector(".title-field");
  const titleInput = titleField?.querySelector("input");
  const note = document.createElement("p");
  note.className = "helptext";
  note.textContent = "Several files: each audiobook takes its title from its own PDF.";
  note.hidden = true;
  titleField?.append(note);

  const sizeText = (bytes) =>
    bytes >= 1024 * 1024
      ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
      : `${Math.max(1, Math.round(bytes / 1024))} KB`;

  const showChosen = () => {
    const files = [...input.files];
    list.replaceChildren(
      ...files.map((file) => {
        const li = document.createElement("li");
        li.textContent = `${file.name} (${sizeText(file.size)})`;
        return li;
      }),
    );
    list.hidden = files.length === 0;
    const several = files.length > 1;
    if (titleInput) titleInput.disabled = several;
    note.hidden = !several;
  };
  input.addEventListener("change", showChosen);

  const zone = input;
  for (const type of ["dragenter", "dragover"]) {
    zone.addEventListener(type, () => zone.classList.add("dragging"));
  }
  for (const type of ["dragleave", "drop"]) {
    zone.addEventListener(type, () => zone.classList.remove("dragging"));
  }
  // A file dropped next to the box would otherwise open in the tab and lose the form.
  for (const type of ["dragover", "drop"]) {
    window.addEventListener(type, (event) => {
      if (event.target !== input) event.preventDefault();
    });
  }
  showChosen();
}
