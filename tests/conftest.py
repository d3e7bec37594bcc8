"""Shared fixtures. Tests never touch build/ or workspace/: every course lives in a temporary folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolate(monkeypatch, tmp_path_factory):
    """Keep tests away from the developer's own Jupyter config, resources override and storage mode."""
    home = tmp_path_factory.mktemp("home")
    for var in ("JUPYTER_CONFIG_DIR", "PATHWAYS_RESOURCES", "PATHWAYS_STORAGE", "PATHWAYS_COURSE", "PATHWAYS_LESSONS",
                "VOILA_PREHEAT", "VOILA_BASE_URL", "VOILA_KERNEL_ID"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(home / ".jupyter"))
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.fixture
def course(tmp_path, monkeypatch) -> Path:
    """An empty course folder; nbgrader commands run by the test use it (via PATHWAYS_COURSE)."""
    folder = tmp_path / "course"
    folder.mkdir()
    monkeypatch.setenv("PATHWAYS_COURSE", str(folder))
    return folder


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    """Run the test with a fresh temporary working folder (where responses.json is written)."""
    monkeypatch.chdir(tmp_path)
    import pathways.responses as responses

    monkeypatch.setattr(responses, "_STORE", None)
    return tmp_path
