// Walks given paths through the static site's role-play player (grading/delivery/site/static/player.js) and
// prints what a learner would see at every step, for tests/site/test_parity.py to compare with the Python engine.
// Input (stdin, JSON): {"player": path, "cases": [{"table": ..., "ui": {...}, "paths": [[choice ids], ...]}]}.
"use strict";
const fs = require("fs");
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const { Walk } = require(input.player);
const out = input.cases.map((c) => c.paths.map((path) => {
  const walk = new Walk(c.table);
  const trace = [];
  const look = () => ({ node: walk.node(), said: c.table.nodes[walk.node()], options: walk.options().slice().sort(),
    texts: walk.options().map((id) => walk.choice(id).text).sort(), variables: Object.assign({}, walk.variables),
    score: walk.here().score, ending: walk.here().ending });
  trace.push(look());
  for (const id of path) {
    const choice = walk.choose(id);
    trace.push(Object.assign(look(), { feedback: choice.feedback }));
  }
  return { trace, summary: walk.finished() ? walk.summaryHtml(c.ui) : null };
}));
process.stdout.write(JSON.stringify(out));
