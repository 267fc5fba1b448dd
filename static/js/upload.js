// The drop zone: the file input itself takes dropped files (that part needs no JavaScript);
// this adds a highlight while dragging, lists the chosen files, clears the errors about files
// chosen before, keeps a file dropped beside the box from replacing the page, and says how the
// title applies to several files.

const input = document.querySelector("input[type=file].dropzone");
if (input) {
  const list = document.querySelector("[data-chosen]");
  const titleField = document.querySelector(".title-field");
  const note = document.createElement("p");
  note.className = "helptext";
  note.textContent = "Several files: a title typed here goes before each PDF's own title.";
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
    note.hidden = !several;
  };
  const clearErrors = () => {
    // The errors were about the files chosen before; these are new ones.
    const field = input.closest(".field");
    field?.classList.remove("has-error");
    field?.querySelectorAll(".errorlist, [data-choose-again]").forEach((el) => el.remove());
    input.removeAttribute("aria-invalid");
    document.querySelector(".form-errors")?.remove();
  };
  input.addEventListener("change", () => {
    clearErrors();
    showChosen();
  });

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
