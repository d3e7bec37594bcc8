"""The learner's side of the workshop's nbgrader exchange: submit only as yourself.

On the workshop server each learner sees the exchange through a folder of their own
(`<exchange>/views/<user>/<course>/`), in which `outbound` is the shared, read-only release,
`inbound` is the learner's own hand-in folder (`<exchange>/<course>/inbound/<user>/`, mode 0700, the
learner's) and `feedback` is the learner's own feedback folder (readable by the learner's group
only). nbgrader's stock exchange classes work there unchanged, except submitting: stock nbgrader
lets anyone hand in under another name (`nbgrader submit --student=OTHER`). This class refuses it.

The refusal here is a courtesy, not the protection: a learner can bypass their own nbgrader. What
protects a learner is on the instructor's side (`pathways.grading.delivery.workshop.exchange.collect_exchange`): a
hand-in is taken only from the learner's own inbound folder, only when the folder and every file in
it belong to that learner's account, and only under that learner's name.
"""

from __future__ import annotations

import getpass

from nbgrader.exchange.default.submit import ExchangeSubmit


class LearnerSubmit(ExchangeSubmit):
    """nbgrader's submit, refusing to hand in under any name but the account's own."""

    def init_dest(self):
        """Refuse `--student=OTHER`, then prepare the hand-in folder as nbgrader does."""
        me = getpass.getuser()
        if self.coursedir.student_id not in ("*", "", me):
            self.fail(f"You can hand in only as yourself ({me}), not as {self.coursedir.student_id!r}.")
        self.coursedir.student_id = "*"  # nbgrader then names the hand-in after the account
        super().init_dest()
