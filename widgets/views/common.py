"""Small helpers the views share: the stylesheet, escaping, and a labelled status line."""

from __future__ import annotations

import html
from importlib import resources

import ipywidgets as w


def css() -> w.HTML:
    """An (invisible) widget carrying the Pathways stylesheet."""
    sheet = resources.files(__package__).joinpath("pathways.css").read_text(encoding="utf-8")
    return w.HTML(f"<style>{sheet}</style>", layout=w.Layout(display="none"))


def esc(text: str) -> str:
    """Escape text for HTML, keeping paragraph breaks."""
    paras = [p.strip() for p in str(text).split("\n\n") if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paras)


def root(children: list, label: str) -> w.VBox:
    """The outer box of a widget, styled and carrying a css widget."""
    box = w.VBox([css(), *children])
    box.add_class("pw-root")
    box.add_class(f"pw-{label}")
    return box
