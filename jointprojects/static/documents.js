// Drag and drop onto a document upload form (progressive enhancement: the file input works
// without it). Dropped files replace the input's selection.
document.querySelectorAll("form[data-dropzone]").forEach((form) => {
  if (form.dataset.dropzoneReady) return;
  form.dataset.dropzoneReady = "1";
  const input = form.querySelector('input[type="file"]');
  if (!input) return;
  ["dragenter", "dragover"].forEach((name) => form.addEventListener(name, (event) => {
    event.preventDefault();
    form.classList.add("border-primary");
  }));
  ["dragleave", "drop"].forEach((name) => form.addEventListener(name, () => {
    form.classList.remove("border-primary");
  }));
  form.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
});
