"""The workshop's JupyterHub configuration (copied by `pathways workshop start` into the workshop's private state
folder, beside the settings.json it reads). Every choice that varies is in settings.json; this file says how.
"""

import json
from pathlib import Path

from pathways.grading.delivery.workshop.common import HUB_SETTINGS, PASSPHRASES

c = get_config()  # noqa: F821 - JupyterHub provides it
here = Path(__file__).resolve().parent
S = json.loads((here / HUB_SETTINGS).read_text(encoding="utf-8"))

# Where the hub listens. Anything but 127.0.0.1 is HTTPS only (start refuses otherwise).
c.JupyterHub.ip = S["address"]
c.JupyterHub.port = S["port"]
if S.get("ssl_cert"):
    c.JupyterHub.ssl_cert = S["ssl_cert"]
    c.JupyterHub.ssl_key = S["ssl_key"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = S["hub_port"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{S['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [S["proxy"]]
c.ConfigurableHTTPProxy.pid_file = str(here / "proxy.pid")
c.ConfigurableHTTPProxy.debug = False

# The hub's own records stay in this folder (root only).
c.JupyterHub.db_url = f"sqlite:///{here / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(here / "cookie_secret")
c.JupyterHub.pid_file = str(here / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every learner's server
c.JupyterHub.cleanup_proxy = True

# Who gets in: the class list, each with the passphrase on the instructor's sheet. The instructor has no login
# here: the formgrader is served apart, on the machine's loopback (grading/delivery/workshop/formgrader.py says why).
c.JupyterHub.authenticator_class = "pathways.grading.delivery.workshop.hub_login.PassphraseAuthenticator"
c.PassphraseAuthenticator.passphrase_file = str(here / PASSPHRASES)
c.Authenticator.allowed_users = set(S["users"])
c.Authenticator.admin_users = set()
c.Authenticator.enable_auth_state = False

# Each learner's JupyterLab runs as their own account, opened on their own copy of lesson 1, with the learners'
# screen of `make start` (pathways.grading.delivery.learner.lab: no instructor tools, no news, a lesson opens ready to
# use).
# The only Jupyter configuration of their own is nbgrader's exchange (learner-config/nbgrader_config.py).
c.JupyterHub.spawner_class = "pathways.grading.delivery.workshop.hub_login.WorkshopSpawner"
# Each server in cgroups of its own (memory, processes, CPU share) and with private temporary folders (limits.py)
c.WorkshopSpawner.limits = S["limits"]
c.Spawner.cmd = [S["singleuser"]]
# Kernels talk over Unix sockets in the learner's private runtime folder (no TCP port another learner could listen
# to), and no Jupyter configuration of the learner's own is read (it could make her server serve pages of hers).
_lab = __import__("pathways.grading.delivery.learner.lab", fromlist=["learner_lab_args"])
c.Spawner.args = [*_lab.learner_lab_args(), "--KernelManager.transport=ipc"]
c.Spawner.disable_user_config = True
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = S["default_url"]
c.Spawner.environment = {"PATH": S["path"], "JUPYTER_CONFIG_PATH": S["learner_config"], **S["learner_env"],
                         "JUPYTER_RUNTIME_DIR": __import__("pathways.grading.delivery.workshop.hub_login",
                                                           fromlist=["runtime_dir"]).runtime_dir}
c.Spawner.env_keep = ["LANG", "LC_ALL"]
c.Spawner.start_timeout = S["start_timeout"]
c.Spawner.http_timeout = S["start_timeout"]
c.Spawner.pre_spawn_hook = __import__("functools").partial(
    __import__("pathways.grading.delivery.workshop.hub_login", fromlist=["give_lessons"]).give_lessons, S["outbound"])

# Capacity: how many servers may start at once, and at most; idle ones are stopped.
c.JupyterHub.concurrent_spawn_limit = S["spawn_limit"]
c.JupyterHub.active_server_limit = S["server_limit"]
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [S["python"], "-m", "jupyterhub_idle_culler", f"--timeout={S['idle_timeout']}",
                f"--cull-every={S['cull_every']}"],
    # HOME in the workshop's folder marks every process of the workshop: stop finds a service the hub left behind
    "environment": {"HOME": str(here)},
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "description": "Stops servers idle for longer than the workshop allows",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
