// "Skip this for my wellbeing" (see common.py: SkipToggle): a real toggle button (aria-pressed), a note in a
// live region that stays in the page (so it is announced when it appears), and "Undo" while skipped.
export default {
  render({ model, el }) {
    const wrap = document.createElement("div");
    wrap.className = "pw-skip-box";
    const toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "pw-skip-toggle";
    const status = document.createElement("div");
    status.className = "pw-skip-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    const note = document.createElement("span");
    note.className = "pw-skip-note";
    status.append(note);
    const undo = document.createElement("button");
    undo.type = "button";
    undo.className = "pw-skip-undo";
    const show = () => {
      const on = model.get("pressed");
      toggle.textContent = model.get("label");
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
      note.textContent = on ? model.get("note") : "";
      undo.textContent = model.get("undo_label");
      undo.hidden = !on;
    };
    toggle.addEventListener("click", () => {
      model.set("pressed", !model.get("pressed"));
      model.save_changes();
    });
    undo.addEventListener("click", () => {
      model.set("pressed", false);
      model.save_changes();
      toggle.focus();  // the Undo button hides: keep the focus on the toggle, not lost on the page
    });
    show();
    for (const name of ["pressed", "label", "note", "undo_label"]) model.on(`change:${name}`, show);
    wrap.append(toggle, status, undo);
    el.append(wrap);
  },
};
