"""The learners' screen in a learner's pod (the image's /etc/jupyter/jupyter_server_config.py): the settings of
`make start` and of the one-machine workshop's servers, read from pathways.grading.delivery.learner.lab (no second
copy):
no instructor tools, no news or extension manager, a lesson that opens ready to use."""

from jupyter_server.serverapp import ServerApp
from jupyterlab.labapp import LabApp
from pathways.grading.delivery.learner.lab import learner_lab_args
from traitlets.config.loader import KVArgParseConfigLoader

c = get_config()  # noqa: F821 - Jupyter provides it
c.merge(KVArgParseConfigLoader(learner_lab_args(), classes=[ServerApp, LabApp]).load_config())
