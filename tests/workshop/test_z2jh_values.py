"""The Zero to JupyterHub configuration (grading/delivery/workshop/z2jh), checked offline: the values against the
chart's own
schema (vendored from chart 4.4.0, tests/workshop/z2jh_chart/SOURCE.md), merged over the chart's defaults as Helm
merges them, and the settings the workshop's guarantees rest on. Nothing here talks to a cluster."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
Z2JH = REPO / "grading" / "delivery" / "workshop" / "z2jh"
CHART = Path(__file__).resolve().parent / "z2jh_chart"
CHART_VERSION = "4.4.0"


def helm_merge(defaults: object, override: object) -> object:
    """Helm's merge of user values over a chart's: maps are merged key by key, anything else replaced, and a
    null in the user's values removes the chart's key."""
    if not (isinstance(defaults, dict) and isinstance(override, dict)):
        return override
    merged = dict(defaults)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = helm_merge(defaults.get(key), value)
    return merged


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load((Z2JH / "values.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def merged(values) -> dict:
    return helm_merge(yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8")), values)


def test_do_the_values_pass_the_charts_schema(merged):
    """Do the workshop's values, merged over chart 4.4.0's defaults, pass that chart's schema (as `helm install`
    checks them), and would a misspelt key be caught?"""
    import jsonschema

    schema = yaml.safe_load((CHART / "values.schema.yaml").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(merged))
    assert errors == []
    typo = helm_merge(merged, {"singleuser": {"networkPolicyy": {"enabled": True}}})
    assert not validator.is_valid(typo)


def test_do_the_chart_version_and_sources_agree():
    """Do values.yaml, the guide and the vendored schema's note all name the same chart version?"""
    assert f"version {CHART_VERSION}" in (CHART / "SOURCE.md").read_text(encoding="utf-8")
    assert f"--version {CHART_VERSION}" in (Z2JH / "values.yaml").read_text(encoding="utf-8")
    assert f"chart {CHART_VERSION}" in (Z2JH / "README.md").read_text(encoding="utf-8")


def test_is_the_learners_egress_closed(merged):
    """Does a learner's pod reach nothing outside (no internet, no other private address, no cloud metadata),
    only the hub and proxy the chart always allows, and DNS to find them?"""
    policy = merged["singleuser"]["networkPolicy"]
    assert policy["enabled"] is True and policy["egress"] == []
    rules = policy["egressAllowRules"]
    assert not rules["nonPrivateIPs"] and not rules["privateIPs"] and not rules["cloudMetadataServer"]
    assert not rules["dnsPortsCloudMetadataServer"]


def test_do_learners_pods_run_without_privilege(merged):
    """Does nothing in a learner's pod run privileged: no privilege escalation, not root, and no privileged
    init container (the chart adds one to block cloud metadata with iptables unless told not to)?"""
    su = merged["singleuser"]
    assert su["allowPrivilegeEscalation"] is False and su["uid"] != 0
    assert su["cloudMetadata"]["blockWithIptables"] is False
    assert su["initContainers"] == [] and su["extraContainers"] == []
    assert "securityContext" not in su["extraPodConfig"]


def test_are_limits_culler_and_spawn_limit_set(merged):
    """Is each learner's memory guaranteed and capped (guarantee below the cap), CPU capped, idle servers culled
    within an hour, and servers starting at once limited?"""
    def megabytes(text: str) -> float:
        number, unit = re.fullmatch(r"([0-9.]+)([KMG]i?)", str(text)).groups()
        return float(number) * {"K": 1e-3, "M": 1, "G": 1e3}[unit[0]] * (1.024 ** (2 if unit.endswith("i") else 0))

    memory, cpu = merged["singleuser"]["memory"], merged["singleuser"]["cpu"]
    assert 0 < megabytes(memory["guarantee"]) < megabytes(memory["limit"])
    assert cpu["limit"] and cpu["guarantee"] <= cpu["limit"]
    assert merged["cull"]["enabled"] is True and 0 < merged["cull"]["timeout"] <= 3600
    assert merged["hub"]["concurrentSpawnLimit"] <= 20 and merged["hub"]["activeServerLimit"]


def test_is_the_exchange_mounted_per_learner(merged):
    """Does each learner's pod mount the shared exchange volume only as the release (read-only), its own hand-in
    folder and its own feedback folder (read-only), by hub username, where nbgrader's configuration looks?"""
    storage = merged["singleuser"]["storage"]
    claim = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in storage["extraVolumes"]}
    mounts = {m["mountPath"]: m for m in storage["extraVolumeMounts"]}
    assert set(claim) == {m["name"] for m in mounts.values()} == {"exchange"}
    base = "/srv/exchange/pathways"
    assert set(mounts) == {f"{base}/outbound", f"{base}/inbound", f"{base}/feedback"}
    assert mounts[f"{base}/outbound"]["readOnly"] and mounts[f"{base}/feedback"]["readOnly"]
    assert not mounts[f"{base}/inbound"].get("readOnly")
    assert mounts[f"{base}/inbound"]["subPath"].endswith("/{username}")
    assert mounts[f"{base}/feedback"]["subPath"].endswith("/{username}")
    assert merged["singleuser"]["extraEnv"]["USER"] == "{username}"  # nbgrader names hand-ins after USER
    pvc = list(yaml.safe_load_all((Z2JH / "exchange-pvc.yaml").read_text(encoding="utf-8")))
    assert pvc[0]["metadata"]["name"] == claim["exchange"] and pvc[0]["spec"]["accessModes"] == ["ReadWriteMany"]
    config = (Z2JH / "nbgrader_config.py").read_text(encoding="utf-8")
    assert 'c.Exchange.root = "/srv/exchange"' in config and "LearnerSubmit" in config


def test_does_grading_stay_off_the_hub(merged):
    """Is there no formgrader or other service in the hub, no hub code run from values, no shared-password
    login, no admin access to learners' servers, and a class list of allowed names?"""
    hub = merged["hub"]
    assert hub["services"] == {} and hub["extraConfig"] == {}
    config = hub["config"]
    assert config["JupyterHub"]["authenticator_class"] not in ("dummy", "jupyterhub.auth.DummyAuthenticator")
    assert config["JupyterHub"]["admin_access"] is False
    assert config["Authenticator"]["allowed_users"] and config["Authenticator"]["allow_all"] is False
    assert config["NativeAuthenticator"]["open_signup"] is False
    assert merged["proxy"]["https"]["enabled"] is True


def test_does_the_image_install_pinned_pathways_without_source_lessons():
    """Does the Dockerfile start from a dated image (not `latest`), install Pathways with constraints.txt, put
    the learners' screen in place (main's learner_lab_args, not a copy of its settings), and copy no source lesson
    (their model answers) into the image, the package's lessons left empty?"""
    docker = (Z2JH / "Dockerfile").read_text(encoding="utf-8")
    base = re.search(r"^FROM (\S+)$", docker, re.M).group(1)
    assert re.fullmatch(r"quay\.io/jupyter/[a-z-]+:\d{4}-\d{2}-\d{2}", base), base
    assert re.search(r"pip install [^\n]*-c /tmp/pathways/constraints\.txt /tmp/pathways\b", docker)
    copied = re.findall(r"^COPY (.+?) \S+$", docker, re.M)
    assert copied and not [c for c in copied if "lessons" in c or c.strip() == "."], copied
    for piece in ("z2jh/jupyter_server_config.py", "z2jh/nbgrader_config.py"):
        assert piece in docker
    assert re.search(r"mkdir /tmp/pathways/lessons \\\n && echo [^\n]*> /tmp/pathways/lessons/__init__\.py", docker)
    screen = (Z2JH / "jupyter_server_config.py").read_text(encoding="utf-8")
    assert "learner_lab_args()" in screen  # the one set of learner settings, not a copy
