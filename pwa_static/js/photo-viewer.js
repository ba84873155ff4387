// Full-size photos on the managers' pages: a tap on a thumbnail link marked data-photo
// opens the image in a dialog (without script the link opens the image itself).
// A module, not inline script: the pages run under a CSP without 'unsafe-inline'.

const closeLabel = document.documentElement.lang.startsWith("zh") ? "关闭" : "Close";

function viewer() {
  let dialog = document.querySelector("dialog.photo-viewer");
  if (dialog) return dialog;
  dialog = document.createElement("dialog");
  dialog.className = "photo-viewer";
  const image = document.createElement("img");
  image.alt = "";
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = closeLabel;
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog || event.target === image) dialog.close();
  });
  dialog.append(image, close);
  document.body.append(dialog);
  return dialog;
}

document.addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest("a[data-photo]") : null;
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  const dialog = viewer();
  const image = dialog.querySelector("img");
  image.src = link.href;
  image.alt = link.querySelector("img")?.alt || "";
  dialog.showModal();
});
