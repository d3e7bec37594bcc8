"""The learner's launcher: the lessons built into a workspace folder, and JupyterLab opened on it."""
