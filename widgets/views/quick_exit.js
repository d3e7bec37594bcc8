// Quick exit, modelled on GOV.UK's "Exit this page": one click, or Shift pressed three times
// within five seconds, replaces this page (and its history entry) with a neutral page.
function leave(url) {
  document.body.style.visibility = "hidden";
  window.location.replace(url);
}

function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "pw-exit-box" + (model.get("fixed") ? " pw-exit-fixed" : "");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "pw-exit";
  button.textContent = model.get("label");
  button.setAttribute("aria-describedby", "pw-exit-hint");
  button.addEventListener("click", () => leave(model.get("url")));
  const hint = document.createElement("p");
  hint.id = "pw-exit-hint";
  hint.className = "pw-exit-hint";
  hint.textContent = model.get("hint");
  box.append(button, hint);
  el.append(box);

  if (!window.__pathwaysShiftExit) {
    window.__pathwaysShiftExit = true;
    let presses = [];
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Shift" || event.repeat) return;
      const now = Date.now();
      presses = presses.filter((t) => now - t < 5000);
      presses.push(now);
      if (presses.length >= 3) leave(model.get("url"));
    }, true);  // capture phase: no control that keeps its keys to itself can hold the exit back
  }
}

export default { render };
