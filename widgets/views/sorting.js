// The sorting exercise (see sorting.py): every item with a labelled drop-down of categories, a "Check my sorting"
// button (the line saying the first check counts comes before the items) and, after the first check, each item's explanation under it, in one widget.
// JupyterLab's notebook shortcuts (command mode) would take these keys from a focused control and move to
// another cell; the control keeps them. Shift still reaches the quick exit, which listens in the capture phase.
const OWN_KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown",
  " ", "Enter"]);
let boards = 0;

export default {
  render({ model, el }) {
    const id = `pw-sort-${++boards}-${Math.random().toString(36).slice(2, 8)}`;
    const heading = document.createElement("h3");
    const intro = document.createElement("div");
    const list = document.createElement("div");
    const note = document.createElement("p");
    note.className = "pw-first-counts";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "pw-check-button";
    // The check carries the placements shown: a state update the page still holds back (ipywidgets sends one at a
    // time and merges the rest until the kernel is idle) would otherwise reach the kernel after the check.
    button.addEventListener("click", () => {
      if (!model.get("checked")) model.send({ event: "check", placements: model.get("placements") });
    });
    const status = document.createElement("div");
    status.className = "pw-live";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    let selects = {};
    let notes = {};

    const draw = () => {
      heading.textContent = model.get("title");
      intro.innerHTML = model.get("intro");  // escaped by Python
      list.replaceChildren();
      selects = {};
      notes = {};
      model.get("items").forEach(([item, text], i) => {
        const row = document.createElement("div");
        row.className = "pw-sort-item";
        const line = document.createElement("p");
        const number = document.createElement("strong");
        number.textContent = `${i + 1}.`;
        line.append(number, ` ${text}`);
        const label = document.createElement("label");
        label.htmlFor = `${id}-${i}`;
        label.textContent = `${i + 1}. ${model.get("place_label")}`;
        const select = document.createElement("select");
        select.id = `${id}-${i}`;
        for (const [name, value] of model.get("categories")) select.append(new Option(name, value));
        select.value = model.get("placements")[item] || "";
        select.addEventListener("change", () => {
          model.set("placements", { ...model.get("placements"), [item]: select.value });
          model.save_changes();
        });
        const explanation = document.createElement("div");
        explanation.className = "pw-sort-note";
        selects[item] = select;
        notes[item] = explanation;
        row.append(line, label, select, explanation);
        list.append(row);
      });
      explain();
    };
    const place = () => {  // keep the drop-downs (and the focus) when only the placements change
      const placements = model.get("placements");
      for (const [item, select] of Object.entries(selects)) select.value = placements[item] || "";
    };
    const explain = () => {
      const explanations = model.get("explanations");
      for (const [item, div] of Object.entries(notes)) div.innerHTML = explanations[item] || "";  // escaped by Python
    };
    const show = () => {
      status.replaceChildren();
      if (model.get("status")) {
        const span = document.createElement("span");
        span.className = "pw-status";
        span.textContent = model.get("status");
        status.append(span);
      }
    };
    const mark = () => {
      note.textContent = model.get("note");
      const checked = model.get("checked");
      button.textContent = checked ? model.get("checked_label") : model.get("check_label");
      // aria-disabled, not disabled: the button keeps the focus of a keyboard user who has just pressed it
      button.setAttribute("aria-disabled", checked ? "true" : "false");
    };
    draw();
    show();
    mark();
    for (const name of ["title", "intro", "items", "categories", "place_label"]) model.on(`change:${name}`, draw);
    model.on("change:placements", place);
    model.on("change:explanations", explain);
    model.on("change:status", show);
    for (const name of ["note", "check_label", "checked_label", "checked"]) model.on(`change:${name}`, mark);
    el.addEventListener("keydown", (event) => { if (OWN_KEYS.has(event.key)) event.stopPropagation(); });
    el.append(heading, intro, note, list, button, status);
  },
};
