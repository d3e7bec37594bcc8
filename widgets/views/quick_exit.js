// Quick exit, modelled on GOV.UK's "Exit this page": one click, or Shift pressed three times on its own,
// replaces this page (and its history entry) with a neutral page.
//
// The keyboard rule is GOV.UK's: a press counts when Shift is released (keyup) and no other key came between
// its keydown and its keyup, so the Shift of a capital letter or of "?" never counts (Shift down, I down,
// I up, Shift up: the I came between). Any other key starts the count again, and so do 5 seconds without
// a press. Shift pressed three times on its own, each within 5 seconds of the last, leaves at once.
const TIMEOUT_MS = 5000;
const PRESSES = 3;

function leave(url) {
  // Leave at once, with no "Leave site?" question on the way: JupyterLab asks it whenever a notebook has
  // unsaved changes (after Run All, always) by setting the event's returnValue. These listeners, added last,
  // empty it again after the page's own listeners ran (Chromium calls a window's listeners in the order they
  // were added) or stop those from running (where capture listeners are called first).
  const allow = (event) => { event.stopImmediatePropagation(); event.returnValue = ""; };
  window.addEventListener("beforeunload", allow, true);
  window.addEventListener("beforeunload", allow);
  window.onbeforeunload = null;
  document.body.style.visibility = "hidden";
  window.location.replace(url);
}

// The counting rule alone (no DOM), so that it can be read and tested apart from the page.
export function shiftCounter({ presses = PRESSES, timeout = TIMEOUT_MS } = {}) {
  let count = 0;
  let last = 0;          // when the last counted press was released
  let alone = false;     // Shift is down and no other key has come since it went down
  const reset = () => { count = 0; alone = false; };
  return {
    // Returns true when this event completes the sequence.
    event(type, key, repeat, now) {
      if (key !== "Shift") {
        reset();  // any other key, down or up, breaks the sequence and a Shift held with it
        return false;
      }
      if (type === "keydown") {
        if (!repeat) alone = true;
        return false;
      }
      if (type !== "keyup") return false;
      const counts = alone;
      alone = false;
      if (!counts) return false;  // the Shift of a chord (Shift+I), or a keyup whose keydown was not seen
      if (count > 0 && now - last >= timeout) count = 0;
      count += 1;
      last = now;
      if (count >= presses) {
        count = 0;
        return true;
      }
      return false;
    },
    get count() { return count; },
  };
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

  // The address the keyboard exit uses: the latest rendered control's (one listener serves every control).
  window.__pathwaysExitUrl = model.get("url");
  if (!window.__pathwaysShiftExit) {
    window.__pathwaysShiftExit = true;
    const counter = shiftCounter();
    const listen = (event) => {
      if (counter.event(event.type, event.key, event.repeat, Date.now())) leave(window.__pathwaysExitUrl);
    };
    // Capture phase: no control that keeps its keys to itself (a radio group, a sorting select) can hold
    // the exit back.
    document.addEventListener("keydown", listen, true);
    document.addEventListener("keyup", listen, true);
    // A page restored from the back-forward cache must not stay blank.
    window.addEventListener("pageshow", () => { document.body.style.visibility = ""; });
  }
}

export default { render };
