// Copy buttons: <button data-copy="ID" hidden> copies the text of the element #ID. The button
// stays hidden until this script runs, so a browser without it never shows a dead button.
"use strict";

function selectAndCopy(source) {
  const range = document.createRange();
  range.selectNodeContents(source);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  }
}

async function copy(button) {
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  let copied = false;
  try {
    await navigator.clipboard.writeText(source.textContent);
    copied = true;
  } catch {
    // No clipboard API (a page over plain HTTP on another host): select and copy instead.
    copied = selectAndCopy(source);
  }
  button.dataset.state = copied ? "copied" : "failed";
  button.textContent = copied ? "Copied" : "Copy";
  const status = document.getElementById(button.dataset.status);
  if (status) {
    status.textContent = copied
      ? "The code is on your clipboard."
      : "The code is selected: press Ctrl+C (⌘C on a Mac) to copy it.";
  }
  window.setTimeout(() => {
    button.textContent = "Copy";
    delete button.dataset.state;
  }, 3000);
}

for (const button of document.querySelectorAll("button[data-copy]")) {
  button.hidden = false;
  button.addEventListener("click", () => copy(button));
}
