"""nbgrader preprocessors Pathways adds to the standard pipeline."""

from __future__ import annotations

from nbgrader.preprocessors import ClearHiddenTests


class ClearHiddenTestsAndOutputs(ClearHiddenTests):
    """Remove hidden test regions from feedback, and the outputs of every cell that had one.

    nbgrader's own ClearHiddenTests removes only the source; a hidden test's output (or its
    traceback, which quotes the hidden lines) would still show the answer key.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        removed = self._remove_hidden_test_region(cell)
        if removed and cell.cell_type == "code":
            cell.outputs = []
            cell.source = cell.source.rstrip() + "\n# (hidden test: its output is not shown in feedback)"
        return super().preprocess_cell(cell, resources, cell_index)
