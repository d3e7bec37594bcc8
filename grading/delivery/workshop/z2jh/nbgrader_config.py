"""nbgrader in a learner's pod on Zero to JupyterHub (the image's /etc/jupyter/nbgrader_config.py).

values.yaml mounts the exchange so that the pod sees only the release (read-only), its own hand-in folder and its
own feedback folder, all under /srv/exchange/pathways; USER is the learner's hub name, so nbgrader names a
hand-in after the learner, and LearnerSubmit refuses `--student=OTHER` (a courtesy: the mounts protect).
"""

import os

from pathways.grading.course import COURSE_ID

c = get_config()  # noqa: F821 - nbgrader provides it
c.CourseDirectory.course_id = COURSE_ID
c.Exchange.root = "/srv/exchange"
c.Exchange.assignment_dir = os.path.expanduser("~")
c.ExchangeFactory.submit = "pathways.grading.delivery.workshop.learner_submit.LearnerSubmit"
