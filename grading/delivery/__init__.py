"""How lessons reach learners and visitors, apart from grading: the learners' JupyterLab (learner/), the Voila
dashboards (dashboards/) and the workshop server (workshop/, with its JupyterHub configuration in hub_config/)."""
