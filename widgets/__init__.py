"""Pathways: the scenario engine and the learner-facing widgets.

The engine (`pathways.scenario`, `pathways.engine`, `pathways.responses`, `pathways.autograde`)
imports nothing from Jupyter; the views live in `pathways.views` and import ipywidgets lazily.
"""

__version__ = "0.1.0"
