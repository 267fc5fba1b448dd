// Rename in place: the title form posts in the background and the heading changes, without a
// page load. Without JavaScript the same form posts normally and the page comes back.

const form = document.querySelector("form[data-rename]");
if (form) {
  const heading = document.querySelector("[data-title]");
  const details = form.closest("details");
  const input = form.elements.namedItem("title");

  const showError = (message) => {
    let list = form.querySelector(".errorlist");
    if (!message) {
      list?.remove();
      input.removeAttribute("aria-invalid");
      return;
    }
    if (!list) {
      list = document.createElement("ul");
      list.className = "errorlist";
      list.id = `${input.id}_error`;
      input.after(list);
      input.setAttribute("aria-describedby", list.id);
    }
    const item = document.createElement("li");
    item.textContent = message;
    list.replaceChildren(item);
    input.setAttribute("aria-invalid", "true");
    input.focus();
  };

  details?.addEventListener("toggle", () => {
    if (details.open) {
      input.focus();
      input.select();
    }
  });

  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && details) {
      details.open = false;
      details.querySelector("summary").focus();
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch {
      showError("Could not reach the server. Try again.");
      return;
    }
    const type = response.headers.get("Content-Type") || "";
    if (!type.includes("json")) {
      form.submit(); // signed out, or something unexpected: let the server answer in full
      return;
    }
    const data = await response.json();
    if (!response.ok) {
      const errors = data.errors?.title || data.errors?.__all__ || [];
      showError(errors[0]?.message || "The title could not be changed.");
      return;
    }
    showError("");
    heading.textContent = data.title;
    document.title = `${data.title} · Audiobooker`;
    input.value = data.title;
    if (details) {
      details.open = false;
      details.querySelector("summary").focus();
    }
  });
}
