"""What the tests share, by concern (fixtures stay in the conftest.py files; see tests/README.md).

- `support.course`: the repository's paths and lessons, executing a notebook, a course released once per run.
- `support.testcells`: what a notebook grades and plays, read from its cells with the product's own reader.
- `support.learner`: the simulated learner: responses.json from typed records, hand-ins, a whole class.
- `support.processes`: stopping a server, waiting for a port or a condition, code off the main thread.
- `support.voila`: a Voila serving built dashboards, and a visitor's kernel messages.
- `support.browser`: headless Chromium, axe-core, a cold start of the dashboards as a visitor sees it.
"""
