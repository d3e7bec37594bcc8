"""Two small anywidgets that give screen-reader users what ipywidgets lacks (measured with axe and by hand).

* `LiveHTML`: HTML in a live region that stays in the page, so every new content is announced. An
  `ipywidgets.HTML` replaces its whole content, and a live region inserted together with its text is often
  not announced at all.
* `ChoiceGroup`: choices in a fieldset named by its legend (the question): for one answer, a real radio group
  (radios sharing a `name`: arrow keys move between them, Tab enters and leaves the group once); for several,
  checkboxes. An `ipywidgets.RadioButtons` has no group label and no `name`, and separate
  `ipywidgets.Checkbox`es have no group at all.

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
    """A labelled group of choices; `options` are (label, value) pairs. One answer (radios): `value`, the chosen
    value or None. Several (`multiple`, checkboxes): `values`, the chosen values in option order."""

    _esm = _HERE / "choices.js"
    options = t.List(t.Tuple(t.Unicode(), t.Unicode())).tag(sync=True)
    multiple = t.Bool(False).tag(sync=True)
    value = t.Unicode(None, allow_none=True).tag(sync=True)
    values = t.List(t.Unicode()).tag(sync=True)
    legend = t.Unicode("").tag(sync=True)

    @t.validate("value")
    def _known(self, proposal):
        value = proposal["value"]
        if value is not None and value not in {v for _label, v in self.options}:
            raise t.TraitError(f"{value!r} is not one of the options")
        return value

    @t.validate("values")
    def _known_values(self, proposal):
        """Keep known values only, once each, in option order (a page cannot send anything else)."""
        chosen = set(proposal["value"])
        return [v for _label, v in self.options if v in chosen]
