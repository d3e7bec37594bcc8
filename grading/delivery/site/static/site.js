// The static site's activities: role-play (through player.js), knowledge checks, sorting, skip controls.
// A classic script (no modules, no fetch: the page carries its data as JSON), so a page opened from a folder
// works. Nothing is written anywhere: no cookie, no Web Storage, no IndexedDB, no cache, no service worker.
// As in the widgets, options, items and categories are shuffled (new on every page load), and only the first
// checked answer, first checked sorting and first role-play run count: whether each was right, and why, shows
// right after it. A SCORM package's page adds scorm.js, which `report` tells the scores of public-key items.
(function () {
  "use strict";
  const P = window.PathwaysPlayer;
  const esc = P.escapeHtml, format = P.format;
  let UI = {};

  function shuffle(list) {
    const out = list.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      const t = out[i]; out[i] = out[j]; out[j] = t;
    }
    return out;
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach((k) => node.setAttribute(k, attrs[k]));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- scores of the items whose keys are public: what a SCORM package reports (nothing else reads them) -----
  const scores = { items: {}, skipped: {} };
  function report() {
    if (typeof window.PathwaysScorm === "undefined") return;
    // Skipped items are left out of both the points and the maximum: skipping never costs anything.
    const names = Object.keys(scores.items).filter((n) => !scores.skipped[n]);
    const worth = (n) => (n in POINTS ? POINTS[n] : 1);
    const done = names.filter((n) => scores.items[n].done).length;
    const earned = names.reduce((sum, n) => sum + scores.items[n].fraction * worth(n), 0);
    const most = names.reduce((sum, n) => sum + worth(n), 0);
    window.PathwaysScorm.report({ raw: most ? Math.round((100 * earned) / most) : 0, complete: done === names.length });
  }
  function score(item, fraction, done) {
    if (!(item in scores.items) || scores.items[item].final) return;
    scores.items[item] = { fraction: fraction, done: done, final: done };
    report();
  }

  // --- role-play ------------------------------------------------------------------------------------------
  function roleplay(box, data) {
    const table = data.table, find = (c) => box.querySelector(c);
    const history = find(".pw-history"), feedback = find(".pw-feedback-live"), prompt = find(".pw-prompt");
    const choices = find(".pw-choices"), summary = find(".pw-summary-live"), replay = find(".pw-replay");
    const notice = find(".pw-notice"), orders = {};
    let walk, first = true;

    function show() {
      const here = walk.here();
      if (first) score(data.item, table.best ? here.score / table.best : 0, walk.finished());
      choices.textContent = "";
      if (walk.finished()) {
        prompt.textContent = "";
        summary.innerHTML = walk.summaryHtml(UI);
        notice.textContent = first ? UI.roleplay_open_done : UI.roleplay_open_practice;
        replay.hidden = false;
        const heading = summary.querySelector("h4");
        heading.tabIndex = -1;
        heading.focus();
        return;
      }
      prompt.innerHTML = "<p><strong>" + esc(UI.what_do_you_do) + "</strong></p>";
      // The shown order: shuffled once per moment and page load, as the widget's seed does for one learner.
      const key = walk.node();
      orders[key] = orders[key] || shuffle(walk.options());
      const offered = walk.options();
      orders[key].filter((id) => offered.includes(id)).concat(offered.filter((id) => !orders[key].includes(id)))
        .forEach((id, i) => {
          const button = el("button", { type: "button", class: "pw-choice", "data-choice": id },
                            (i + 1) + ". " + walk.choice(id).text);
          button.addEventListener("click", () => choose(id));
          choices.append(button);
        });
    }

    function choose(id) {
      const choice = walk.choose(id);
      history.insertAdjacentHTML("beforeend", '<div class="pw-you"><strong>' + esc(UI.you) + ":</strong> " +
                                 esc(choice.text) + "</div>" + table.nodes[walk.node()]);
      feedback.innerHTML = choice.feedback;
      show();
      const next = choices.querySelector("button");
      if (next) next.focus();
    }

    function start() {
      walk = new P.Walk(table);
      history.innerHTML = table.nodes[walk.node()];
      feedback.textContent = "";
      summary.textContent = "";
      replay.hidden = true;
      notice.textContent = first ? UI.roleplay_open_first : UI.roleplay_open_practice;
      show();
    }
    replay.addEventListener("click", () => {
      first = false;
      start();
      const next = choices.querySelector("button");
      if (next) next.focus();
    });
    scores.items[data.item] = scores.items[data.item] || { fraction: 0, done: false };
    start();
  }

  // --- knowledge check ------------------------------------------------------------------------------------
  function check(box, data) {
    const set = box.querySelector(".pw-options"), status = box.querySelector(".pw-status");
    const button = box.querySelector(".pw-check-button"), explain = box.querySelector(".pw-explanations");
    const order = shuffle(data.options);
    let firstAnswer = null;
    order.forEach((o) => {
      const id = box.id + "-" + o.id;
      const input = el("input", { type: data.multiple ? "checkbox" : "radio", name: box.id, id: id, value: o.id });
      const label = el("label", { for: id }, o.text);
      const row = el("div", { class: "pw-option" });
      row.append(input, label);
      set.append(row);
    });
    if (data.formative) scores.items[data.item] = { fraction: 0, done: false };
    button.addEventListener("click", () => {
      const chosen = Array.from(set.querySelectorAll("input:checked")).map((i) => i.value).sort();
      if (!chosen.length) { status.textContent = UI.choose_first; return; }
      if (firstAnswer === null) firstAnswer = chosen;
      button.textContent = UI.answer_checked;
      if (!data.formative) { status.textContent = UI.answer_hidden_here; return; }
      const key = data.key.slice().sort();
      const right = key.length === firstAnswer.length && key.every((k, i) => k === firstAnswer[i]);
      explain.innerHTML = '<div class="pw-explanations"><ul>' + order.map((o) => {
        const isKey = key.includes(o.id);
        return '<li class="' + (isKey ? "pw-right" : "pw-other") + '"><strong>' + o.html + "</strong>" +
          (isKey ? " <em>(&#10003; " + UI.right_answer + ")</em>" : "") +
          (firstAnswer.includes(o.id) ? " <em>(" + UI.your_first_answer + ")</em>" : "") + o.explanation + "</li>";
      }).join("") + "</ul></div>";
      status.textContent = right ? UI.first_right : UI.first_not_right;
      score(data.item, right ? 1 : 0, true);
    });
  }

  // --- sorting --------------------------------------------------------------------------------------------
  function sorting(box, data) {
    const list = box.querySelector(".pw-items"), status = box.querySelector(".pw-status");
    const button = box.querySelector(".pw-check-button"), cats = shuffle(data.categories), selects = {};
    const label = {};
    data.categories.forEach((c) => { label[c.id] = c.label; });
    let firstPlacement = null;
    shuffle(data.items).forEach((item) => {
      const id = box.id + "-" + item.id;
      const li = el("li", { class: "pw-item" });
      const select = el("select", { id: id });
      select.append(el("option", { value: "" }, UI.not_placed));
      cats.forEach((c) => select.append(el("option", { value: c.id }, c.label)));
      li.append(el("label", { for: id }, item.text), select, el("div", { class: "pw-item-note" }));
      list.append(li);
      selects[item.id] = { select: select, note: li.querySelector(".pw-item-note"), item: item };
    });
    if (data.formative) scores.items[data.item] = { fraction: 0, done: false };
    button.addEventListener("click", () => {
      const left = data.items.filter((i) => !selects[i.id].select.value).length;
      if (left) { status.textContent = format(UI.place_all_first, { left: left }); return; }
      if (firstPlacement === null) {
        firstPlacement = {};
        data.items.forEach((i) => { firstPlacement[i.id] = selects[i.id].select.value; });
      }
      button.textContent = UI.sorting_checked;
      if (!data.formative) { status.textContent = UI.sorting_hidden_here; return; }
      let right = 0;
      data.items.forEach((item) => {
        const placed = firstPlacement[item.id], ok = placed === item.key;
        if (ok) right += 1;
        let where = format(UI.you_placed, { category: label[placed] || UI.not_placed });
        if (!ok) where += "; " + format(UI.belongs_in, { category: label[item.key] });
        selects[item.id].note.innerHTML = "<p><strong>" + (ok ? "&#10003; " : "") + esc(where) + "</strong></p>" +
          item.explanation;
      });
      status.textContent = format(UI.sorting_result, { right: right, total: data.items.length });
      score(data.item, right / data.items.length, true);
    });
  }

  // --- skipping for wellbeing: an activity, or a whole section's ---------------------------------------------
  function setSkipped(box, skipped) {
    Array.from(box.children).forEach((child) => {
      if (!child.classList.contains("pw-skip")) child.hidden = skipped;
    });
    const toggle = box.querySelector(".pw-skip button"), note = box.querySelector(".pw-skip .pw-skip-note");
    if (toggle) toggle.setAttribute("aria-pressed", String(skipped));
    if (note) note.textContent = skipped ? SITE.skip_item_note : "";
    scores.skipped[box.dataset.pwItem] = skipped;
    report();
  }
  function skipItem(box) {
    const bar = el("div", { class: "pw-skip" });
    const toggle = el("button", { type: "button", class: "pw-skip-toggle", "aria-pressed": "false" }, SITE.skip_item);
    toggle.addEventListener("click", () => setSkipped(box, toggle.getAttribute("aria-pressed") !== "true"));
    bar.append(toggle, el("p", { class: "pw-skip-note", "aria-live": "polite" }));
    box.prepend(bar);
  }
  function skipSection(box, data) {
    const button = box.querySelector(".pw-skip-section"), status = box.querySelector(".pw-status");
    button.addEventListener("click", () => {
      const skip = button.getAttribute("aria-pressed") !== "true";
      button.setAttribute("aria-pressed", String(skip));
      status.textContent = skip ? data.note : "";
      data.items.forEach((item) => {
        document.querySelectorAll('[data-pw-item="' + item + '"]').forEach((b) => setSkipped(b, skip));
      });
    });
  }

  let SITE = {}, POINTS = {};
  const KINDS = { roleplay: roleplay, check: check, sorting: sorting, "skip-section": skipSection };
  function start() {
    const source = document.getElementById("pw-data");
    if (!source) return;
    const data = JSON.parse(source.textContent);
    UI = data.ui;
    SITE = data.site;
    POINTS = data.points || {};
    data.blocks.forEach((block) => {
      const box = document.getElementById(block.id);
      if (box.dataset.pwItem) skipItem(box);
      KINDS[block.kind](box, block);
    });
    document.body.dataset.pwReady = "true";
    report();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
