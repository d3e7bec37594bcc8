"""nbgrader preprocessors Pathways adds to the standard pipeline."""

from __future__ import annotations

from nbgrader.preprocessors import ClearHiddenTests


def for_feedback(output) -> bool:
    """True for a display output a grading function marked as written for the learner's feedback."""
    meta = (output.get("metadata") or {}).get("pathways") if output.get("output_type") == "display_data" else None
    return isinstance(meta, dict) and meta.get("feedback") is True


class ClearHiddenTestsAndOutputs(ClearHiddenTests):
    """Remove hidden test regions from feedback, and the outputs of every cell that had one.

    nbgrader's own ClearHiddenTests removes only the source; a hidden test's output (or its
    traceback, which quotes the hidden lines) would still show the answer key. One kind of output is
    kept: the explanations a grading function writes for the learner's feedback, a display output
    marked `{"pathways": {"feedback": true}}` (`pathways.autograde.FEEDBACK_METADATA`).
    """

    def preprocess_cell(self, cell, resources, cell_index):
        removed = self._remove_hidden_test_region(cell)
        if removed and cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if for_feedback(o)]
            cell.source = cell.source.rstrip() + "\n# (hidden test: its output is not shown in feedback)"
        return super().preprocess_cell(cell, resources, cell_index)
