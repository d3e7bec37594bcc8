"""The check rules of a scenario, one module each; `pathways.scenario.analysis` runs them in order.

* `duplicates`: a name written twice in one block (YAML silently keeps the last).
* `graph`: targets exist, every node is reachable, the story ends (also on a file whose schema failed).
* `flow`: what the conditions ('when') do: nodes, choices and branches never met, moments with no choice
  on offer, loops a learner cannot leave (over the state graph, `pathways.scenario.states`).
* `score`: some path earns points; each ending's declared best score is the one grading finds.
* `style`: trauma-informed wording and teaching design (warnings only).

Each rule takes the scenario (or its plain data), the file's SourceMap and its name, and returns
located problems. The assessment rules (`pathways.assessment`) run after them.
"""
