"""Pathways: the scenario engine and the learner-facing widgets.

The engine (`pathways.scenario`, `pathways.engine`), the activity kinds (`pathways.activities`: records, graders,
excusal, the reader of test cells) and `pathways.autograde` import nothing from Jupyter; the views live in
`pathways.views` and import ipywidgets lazily.
"""

__version__ = "0.1.0"
