"""The check rules of a scenario, one module each; `pathways.scenario.analysis` runs them in order.

* `duplicates`: a name written twice in one block (YAML silently keeps the last).
* `graph`: targets exist, every node is reachable, the story ends (also on a file whose schema failed).
* `flow`: what the conditions ('when') do: nodes, choices and branches never met, moments with no choice
  on offer, loops a learner cannot leave (over the state graph, `pathways.scenario.states`).
* `score`: some path earns points; each ending's declared best score is the one grading finds.
* `style`: trauma-informed wording and teaching design (warnings only).
* `assessment`: no answer given away by a choice's place or length, scores that follow consequences
  (warnings only; they run last, on a scenario with no error).

Each rule takes the scenario (or its plain data), the file's SourceMap and its name, and returns
located problems. `score` and `assessment` score the scenario's walks with `pathways.scenario.engine`.
"""
