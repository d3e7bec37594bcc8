"""nbgrader on a learner's server (found through JUPYTER_CONFIG_PATH): at a workshop, exchange.json beside it.

The learner sees the exchange through their own view (`<exchange>/views/<user>/`): the shared release, their own
hand-in folder and their own feedback folder. Submitting goes through LearnerSubmit (no `--student=OTHER`).
"""

import getpass
import json
import os
from pathlib import Path

c = get_config()  # noqa: F821 - nbgrader provides it
EXCHANGE = Path(__file__).resolve().parent / "exchange.json"  # written by `pathways workshop start`
if EXCHANGE.is_file():  # at a workshop (with `make start` there is no exchange: nbgrader's defaults)
    S = json.loads(EXCHANGE.read_text(encoding="utf-8"))
    c.CourseDirectory.course_id = S["course_id"]
    c.Exchange.root = os.path.join(S["views"], getpass.getuser())
    c.Exchange.assignment_dir = os.path.expanduser("~")
    c.ExchangeFactory.submit = "pathways.grading.workshop_exchange.LearnerSubmit"
