"""Two small anywidgets that give screen-reader users what ipywidgets lacks (measured with axe and by hand).

* `LiveHTML`: HTML in a live region that stays in the page, so every new content is announced. An
  `ipywidgets.HTML` replaces its whole content, and a live region inserted together with its text is often
  not announced at all.
* `ChoiceGroup`: one-answer choices as a real radio group: a fieldset named by its legend (the question),
  radios sharing a `name` (arrow keys move between them, Tab enters and leaves the group once). An
  `ipywidgets.RadioButtons` has no group label and no `name`.

Both keep the traits their ipywidgets counterparts have (`value`, `options`), so views and tests that set
or read them work unchanged.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets as t

_HERE = Path(__file__).parent


class LiveHTML(anywidget.AnyWidget):
    """HTML shown in a polite live region (role=status) that persists while its content changes."""

    _esm = _HERE / "live.js"
    value = t.Unicode("").tag(sync=True)


class ChoiceGroup(anywidget.AnyWidget):
    """A labelled radio group; `options` are (label, value) pairs, `value` the chosen value or None."""

    _esm = _HERE / "choices.js"
    options = t.List(t.Tuple(t.Unicode(), t.Unicode())).tag(sync=True)
    value = t.Unicode(None, allow_none=True).tag(sync=True)
    legend = t.Unicode("").tag(sync=True)

    @t.validate("value")
    def _known(self, proposal):
        value = proposal["value"]
        if value is not None and value not in {v for _label, v in self.options}:
            raise t.TraitError(f"{value!r} is not one of the options")
        return value
