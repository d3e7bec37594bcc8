// The role-play player of the static site: it walks a transition table that the Python engine wrote at build
// time (grading/delivery/site/player.py) and holds no rule of its own: the options offered in each state, where
// each leads, the ending, the score kept and why it is limited all come from the table. It only keeps the steps
// taken, to list the principles honoured and the missteps at the end (in the order taken, like
// engine.summarize) and to add each choice's `set` to the variables it shows. No DOM here: the page (site.js)
// and the parity test (node) drive it alike. A classic script (no modules), so a page opened from a folder works.
(function (root) {
  "use strict";

  function escapeHtml(text) {  // Python's html.escape(text, quote=True), character for character
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
  }

  function format(template, fields) {  // str.format with named fields only
    return String(template).replace(/\{(\w+)\}/g, (all, name) => (name in fields ? String(fields[name]) : all));
  }

  function Walk(table) {
    this.table = table;
    this.state = 0;
    this.variables = Object.assign({}, table.variables);
    this.steps = [];  // "node/choice" keys, in the order taken
  }

  Walk.prototype.here = function () { return this.table.states[this.state]; };
  Walk.prototype.node = function () { return this.here().node; };
  Walk.prototype.finished = function () { return this.here().ending !== null; };
  Walk.prototype.options = function () { return this.here().moves.map((move) => move[0]); };
  Walk.prototype.choice = function (id) { return this.table.choices[this.node() + "/" + id]; };

  Walk.prototype.choose = function (id) {
    const move = this.here().moves.find((m) => m[0] === id);
    if (!move) throw new Error("choice " + id + " is not offered at " + this.node());
    const key = this.node() + "/" + id;
    const choice = this.table.choices[key];
    this.steps.push(key);
    Object.keys(choice.set).forEach((name) => {
      this.variables[name] = (this.variables[name] || 0) + choice.set[name];
    });
    this.state = move[1];
    return choice;
  };

  // The end summary, as views/roleplay.py's summary_html writes it (`ui`: the widget strings of the page).
  Walk.prototype.summaryHtml = function (ui) {
    const here = this.here(), honoured = [], missteps = [], review = [];
    this.steps.forEach((key) => {
      const c = this.table.choices[key];
      if (c.honours) {
        if (!honoured.includes(c.principle)) honoured.push(c.principle);
      } else {
        missteps.push(c.misstep);
        if (c.review && !review.includes(c.review)) review.push(c.review);
      }
    });
    const best = this.table.best, e = escapeHtml;
    const parts = ['<div class="pw-summary"><h4>' + e(ui["ending_" + here.ending.outcome]) + ": " +
                   e(here.ending.title) + "</h4>",
                   "<p><strong>" + e(format(ui.you_earned, { score: here.score, best: best })) + "</strong></p>"];
    if ((here.limit === "concerning" || here.limit === "missteps") && here.earned > here.score) {
      parts.push("<p>" + e(format(ui["limit_" + here.limit],
        { earned: here.earned, count: missteps.length, ceiling: here.ceiling })) + "</p>");
    }
    const names = honoured.map((n) => "<li>" + e(n) + "</li>").join("") || "<li>" + ui.none_yet + "</li>";
    parts.push("<p><strong>" + ui.principles_honoured + "</strong></p><ul>" + names + "</ul>");
    if (missteps.length) parts.push("<p><strong>" + ui.where_differently + "</strong></p><ul>" + missteps.join("") + "</ul>");
    if (review.length) {
      parts.push("<p><strong>" + ui.read_again + "</strong></p><ul>" +
                 review.map((r) => "<li>" + e(r) + "</li>").join("") + "</ul>");
    }
    parts.push("<p>" + ui.door_open + "</p></div>");
    return parts.join("");
  };

  const api = { Walk: Walk, escapeHtml: escapeHtml, format: format };
  root.PathwaysPlayer = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);
