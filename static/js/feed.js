// The account page's feed address: a "Copy" button beside it (the field itself can be
// selected and copied by hand without JS).

for (const button of document.querySelectorAll("[data-copy]")) {
  const field = document.getElementById(button.dataset.copy);
  const status = button.closest(".field")?.querySelector("[data-copy-status]");
  if (!field) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    let copied = false;
    try {
      await navigator.clipboard.writeText(field.value);
      copied = true;
    } catch {
      // No clipboard API (plain HTTP, an old browser): select it for the person to copy.
      field.select();
      copied = document.execCommand?.("copy") ?? false;
    }
    if (status) status.textContent = copied ? "Copied." : "Selected: copy it with your keyboard.";
  });
}
