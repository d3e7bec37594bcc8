# Voila configuration for the published Pathways dashboards: the ONE file with every production setting.
#
#     pathways dashboards build && pathways dashboards serve
#
# runs `voila build/dashboards --Voila.config_file_paths=grading/delivery/dashboards/voila` (the exact command is
# printed), so
# Voila reads this file and nothing from the machine's own Jupyter configuration. Command-line flags still
# win over this file (tests and the benchmark shorten the culling times that way).
#
# What a visitor gets: the release version of each lesson (no solutions, no hidden tests, no source code,
# no tracebacks), served with no request to any other host, nothing about them written on the server, and
# their kernel shut down once they have left. See README.md in this folder.
import os
from pathlib import Path

from pathways import config

c = get_config()  # noqa: F821  (provided by traitlets when Voila loads this file)

HERE = Path(__file__).resolve().parent
#: The Pathways settings (pathways.config; README, "Configuration"): `pathways dashboards serve` passes the
#: dashboards folder and the pool sizes to this process as PATHWAYS_* variables.
PATHWAYS = config.current()
#: What kernels need set: answers kept in memory, never on disk.
KERNEL_ENV = config.PathwaysConfig().environment(storage="memory")

# --- Where things are ----------------------------------------------------------------------------------
# The `pathways` template lives in share/voila/templates/pathways; Voila finds templates on JUPYTER_PATH.
# Setting it here (before Voila looks its template up) keeps this file self-sufficient.
os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(HERE / "share"), os.environ.get("JUPYTER_PATH")) if p)
# Kernels get KERNEL_ENV (below): their widgets keep every answer in memory, never on disk.
ROOT = Path(PATHWAYS.dashboards).resolve()

# --- Network: this machine only --------------------------------------------------------------------------
c.Voila.ip = "127.0.0.1"
c.Voila.open_browser = False
c.Voila.port = PATHWAYS.dashboards_port

# --- Page: our template, fixed theme, nothing a visitor can switch with ?template= or ?theme= ---------------
c.VoilaConfiguration.template = "pathways"
c.VoilaConfiguration.allow_template_override = "NO"
c.VoilaConfiguration.allow_theme_override = "NO"
c.VoilaConfiguration.theme = "light"
c.VoilaConfiguration.classic_tree = True  # the landing page is our server-rendered tree.html
# Lab extensions that only make sense in JupyterLab log errors in Voila (and cost requests).
c.VoilaConfiguration.extension_denylist = [
    "@jupyter/nbgrader",
    "@jupyter-notebook/lab-extension",
    "@voila-dashboards/jupyterlab-preview",
]

# --- What a visitor can see or fetch --------------------------------------------------------------------
c.VoilaConfiguration.strip_sources = True  # outputs only, never a line of code
c.VoilaConfiguration.show_tracebacks = False  # an error shows a plain message, not the code around it
# /voila/files/ serves a file only if it matches the allowlist and no denylist rule (full match, any case).
c.VoilaConfiguration.file_allowlist = [r".*\.(png|jpe?g|gif|webp|svg)"]
c.VoilaConfiguration.file_denylist = [
    r".*\.(ipynb|py|pyc|ya?ml|json|db|sqlite3?|cfg|ini|toml|txt|md|csv|sh|j2|html?)",  # data, code, config
    r"(.*/)?\..*",  # hidden files and folders
    r".*(gradebook|nbgrader|config|secret|solution|source|submitted|autograded|feedback).*",
]
# The kernel accepts only widget messages (Voila's default: no execute_request from a visitor). Tests check it.

# --- Privacy: nothing about a visitor on the server ---------------------------------------------------
# Tornado logs every request with the visitor's IP address by default; log only server errors, without IP.
def _log_request(handler):
    status = handler.get_status()
    if status >= 500:
        handler.log.error("%d %s %s", status, handler.request.method, handler.request.path)


c.Voila.log_level = "WARN"
# Nothing that outlives the visit on the visitor's device either: Jupyter's anonymous-identity and XSRF cookies
# become session cookies (gone when the browser closes) instead of lasting 30 days.
c.IdentityProvider.cookie_options = {"expires_days": None, "samesite": "Strict"}

# --- Kernels: preheated for speed, culled when the visitor has gone -----------------------------------------
# Each lesson keeps POOL kernels started and its page already rendered, so a visitor gets it at once; a used
# kernel is replaced after fill_delay seconds. Each kernel costs about 56 MB (the lean dashboard kernel,
# pathways.grading.delivery.dashboards.kernel, which every dashboard notebook names as its kernelspec: no debugger, no
# history).
# `pathways dashboards serve --pool N --lesson-pool LESSON=N` set the two options read here (pool_size,
# lesson_pools); for a workshop, give the lesson of the day a pool as large as the class (30 kernels take about
# 30 s to warm up on 2 cores).
POOL = PATHWAYS.pool_size
c.VoilaConfiguration.preheat_kernel = True
c.VoilaConfiguration.default_pool_size = POOL
c.VoilaKernelManager.kernel_pools_config = {
    "default": {"pool_size": POOL, "kernel_env_variables": KERNEL_ENV},
    **{f"{lesson}/lesson.ipynb": {"pool_size": size} for lesson, size in PATHWAYS.lesson_pools.items()},
}
# A used kernel is replaced after 10 s, not at once: when a class arrives together, starting 30 replacement
# kernels while the visitors' own kernels answer them made every page wait (p95 11 s instead of 2.6 s).
c.VoilaKernelManager.fill_delay = 10
# Pools fill a few kernels at a time, the lessons visitors ask for first, so a server that has just started
# serves its first visitors at once (pathways.grading.delivery.dashboards.server; Voila alone starts every pool kernel
# at
# once: on 2 cores, 14 kernels made the first pages wait 30-60 s). Its default is half the cores, at least
# one: `--PathwaysKernelManager.preheat_concurrency=N` (or `pathways dashboards serve --preheat N`) changes it.
# Past this many kernels (visitors' and pooled), a visitor whose lesson has no kernel ready gets a plain
# "busy, try again in a minute" page with the quick exit and the support lines. By default, what three
# quarters of the memory holds at 64 MB a kernel (4 GB: 48; 24 GB: 288); CPU is the tighter limit (README).
# `--PathwaysKernelManager.max_kernels=N` (or `pathways dashboards serve --max-kernels N`) sets it.
c.VoilaKernelManager.default_env_variables = KERNEL_ENV
# Voila never shuts down a closed tab's kernel (its shutdown request fails the XSRF check): cull instead.
# A kernel with no open connection (tab closed) and no activity for 10 minutes is shut down; pooled kernels
# waiting for a visitor are never culled. An open tab keeps its kernel, so a slow reader loses nothing.
c.MappingKernelManager.cull_idle_timeout = 600
c.MappingKernelManager.cull_interval = 60
c.MappingKernelManager.cull_connected = False
c.MappingKernelManager.cull_busy = False
# ...counting from the moment a kernel leaves its pool, so a visitor's kernel is never culled while the page loads.
c.VoilaConfiguration.multi_kernel_manager_class = "pathways.grading.delivery.dashboards.build.DashboardKernelManager"
# A dashboard kernel that dies is not restarted: a restarted kernel has lost the lesson's widgets, so its page
# would show dead activities. The server notices the death within 3 s (the restarter's poll), tells the page
# (which asks the visitor to reload) and forgets the kernel, and a dead pooled kernel is never handed out.
c.KernelRestarter.restart_limit = 0
# Kernels talk to the server over private IPC sockets in Voila's own temporary folder (mode 0700), not TCP
# ports: no other local user can reach them, and no port collision can kill a kernel when dozens start at once
# (seen here with TCP: "Address already in use", and the visitor given that kernel saw no widgets).
c.KernelManager.transport = "ipc"
# The renderer's kernel clients run without a heartbeat thread: one that hangs blocks the whole server
# (measured with 60 kernels on 2 cores; see pathways.grading.delivery.dashboards.build.DashboardKernelClient).
c.AsyncKernelManager.client_class = "pathways.grading.delivery.dashboards.build.DashboardKernelClient"

# --- Headers and landing page data ----------------------------------------------------------------------
_csp = "; ".join([
    "default-src 'self'",
    # Voila and the widget manager use inline scripts; anywidget loads widget modules from blob: URLs.
    "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-ancestors 'self'",
    "form-action 'self'",
    "base-uri 'self'",
])


def _landing():
    # Imported here so a broken build shows a clear message instead of stopping Voila's config loading.
    try:
        from pathways.grading.delivery.dashboards.build import landing_context
    except ImportError as exc:  # pragma: no cover - only without the pathways package installed
        return {"error": str(exc)}
    return landing_context(ROOT)


_PATHWAYS = _landing()
c.Voila.tornado_settings = {
    "headers": {
        "Content-Security-Policy": _csp,
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "SAMEORIGIN",
        "Cache-Control": "no-store",
    },
    "log_function": _log_request,
    "xsrf_cookie_kwargs": {"expires_days": None, "samesite": "Strict"},
    "jinja_template_vars": {"pathways": _PATHWAYS},
}
# Lesson pages get the same data (resources.pathways in index.html.j2): their quick exit and support lines
# are in the page itself, so a visitor has them even while the lesson starts or when its kernel is lost.
c.VoilaConfiguration.resources = {"pathways": _PATHWAYS}
