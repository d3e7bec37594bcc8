// A radio group in a fieldset whose legend names it (see a11y.py: ChoiceGroup).
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
    for (const [text, value] of model.get("options")) {
      const label = document.createElement("label");
      label.className = "pw-choice-option";
      const input = document.createElement("input");
      input.type = "radio";
      input.name = name;
      input.value = value;
      input.checked = model.get("value") === value;
      input.addEventListener("change", () => {
        if (input.checked) {
          model.set("value", value);
          model.save_changes();
        }
      });
      const span = document.createElement("span");
      span.textContent = text;
      label.append(input, span);
      list.append(label);
    }
  };
  draw();
  model.on("change:options", draw);
  model.on("change:legend", draw);
  model.on("change:value", () => {
    for (const input of list.querySelectorAll("input")) input.checked = input.value === model.get("value");
  });
  el.addEventListener("keydown", (event) => { if (OWN_KEYS.has(event.key)) event.stopPropagation(); });
  el.append(fieldset);
}

export default { render };
