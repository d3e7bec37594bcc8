// A live region that stays in the page (see a11y.py: LiveHTML), so each new content is announced.
export default {
  render({ model, el }) {
    const region = document.createElement("div");
    region.className = "pw-live";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    const show = () => { region.innerHTML = model.get("value"); };
    show();
    model.on("change:value", show);
    el.append(region);
  },
};
