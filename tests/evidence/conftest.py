"""The course the evidence tests share: two lessons released, four learners on the class list, a gradebook built
with nbgrader's own API (no grading run: what is tested here is what is made from a gradebook, not grading)."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest
from support.evidence import build_course


@pytest.fixture(scope="session")
def evidence_course_template(tmp_path_factory) -> Path:
    """The course, built once per worker (read only: tests copy it)."""
    return build_course(tmp_path_factory.mktemp("evidence") / "course")


@pytest.fixture
def evidence_course(evidence_course_template, tmp_path, monkeypatch) -> Path:
    """A copy of the course for one test, in force as PATHWAYS_COURSE."""
    root = tmp_path / "course"
    shutil.copytree(evidence_course_template, root)
    monkeypatch.setenv("PATHWAYS_COURSE", str(root))
    return root


@pytest.fixture
def no_network(monkeypatch):
    """Any connection attempt fails the test (rendering must fetch nothing)."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"a network connection was attempted: {args}")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
