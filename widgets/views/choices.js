// A group of choices in a fieldset whose legend names it (see a11y.py: ChoiceGroup): radios sharing one name
// for one answer, checkboxes for several (`multiple`).
// JupyterLab's notebook shortcuts (command mode) would take these keys from a focused control and move to
// another cell; the control keeps them. Shift still reaches the quick exit, which listens in the capture phase.
const OWN_KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown",
  " ", "Enter"]);
let groups = 0;

function render({ model, el }) {
  const name = `pw-choice-group-${++groups}-${Math.random().toString(36).slice(2, 8)}`;
  const fieldset = document.createElement("fieldset");
  fieldset.className = "pw-choices";
  const legend = document.createElement("legend");
  legend.className = "pw-choices-legend";
  const list = document.createElement("div");
  fieldset.append(legend, list);

  const draw = () => {
    legend.textContent = model.get("legend");
    list.replaceChildren();
    const multiple = model.get("multiple");
    for (const [text, value] of model.get("options")) {
      const label = document.createElement("label");
      label.className = "pw-choice-option";
      const input = document.createElement("input");
      input.type = multiple ? "checkbox" : "radio";
      input.name = name;
      input.value = value;
      input.addEventListener("change", () => {
        if (multiple) {
          model.set("values", [...list.querySelectorAll("input:checked")].map((i) => i.value));
        } else if (input.checked) {
          model.set("value", value);
        } else {
          return;
        }
        model.save_changes();
      });
      const span = document.createElement("span");
      span.textContent = text;
      label.append(input, span);
      list.append(label);
    }
    mark();
  };
  const mark = () => {
    const chosen = model.get("multiple") ? model.get("values") : [model.get("value")];
    for (const input of list.querySelectorAll("input")) input.checked = chosen.includes(input.value);
  };
  draw();
  for (const trait of ["options", "legend", "multiple"]) model.on(`change:${trait}`, draw);
  model.on("change:value", mark);
  model.on("change:values", mark);
  el.addEventListener("keydown", (event) => { if (OWN_KEYS.has(event.key)) event.stopPropagation(); });
  el.append(fieldset);
}

export default { render };
