"""Small helpers the views share: widgets with shared looks, the stylesheet, escaping, and the outer box.

Every ipywidget comes with its own `Layout` model and (for most) its own style model: in a lesson that was
about 140 of its 224 widget models and 45% of the widget data a dashboard visitor's browser has to fetch
before the lesson appears. Widgets that look the same share one `Layout` and one style model instead
(`make`), and every outer box shows the same stylesheet widget, so a page sends each of them once.
"""

from __future__ import annotations

import html
from importlib import resources

import ipywidgets as w

_SHARED: dict[tuple, w.Widget] = {}


def _shared(key: tuple, build) -> w.Widget:
    """One model per key for the life of the kernel (made again if something closed it)."""
    model = _SHARED.get(key)
    if model is None or getattr(model, "comm", None) is None:
        model = _SHARED[key] = build()
    return model


def make(cls: type[w.DOMWidget], *args, layout: dict | None = None, style: dict | None = None, **kwargs):
    """`cls(*args, **kwargs)` with a shared Layout (and style) model for its `layout` and `style` settings.

    Never change `.layout` or `.style` of a widget made here: the change would show on every widget that
    shares them. A widget that must change its own layout (a button that hides) is made directly.
    """
    lay = tuple(sorted((layout or {}).items()))
    kwargs["layout"] = _shared(("layout", lay), lambda: w.Layout(**dict(lay)))
    trait = cls.class_traits().get("style")
    if trait is not None:
        sty = tuple(sorted((style or {}).items()))
        kwargs["style"] = _shared(("style", trait.klass, sty), lambda: trait.klass(**dict(sty)))
    return cls(*args, **kwargs)


def css() -> w.HTML:
    """The (invisible) widget carrying the Pathways stylesheet: one model, shown in every outer box."""
    def build() -> w.HTML:
        sheet = resources.files(__package__).joinpath("pathways.css").read_text(encoding="utf-8")
        return make(w.HTML, f"<style>{sheet}</style>", layout={"display": "none"})
    return _shared(("css",), build)


def esc(text: str) -> str:
    """Escape text for HTML, keeping paragraph breaks."""
    paras = [p.strip() for p in str(text).split("\n\n") if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paras)


def root(children: list, label: str) -> w.VBox:
    """The outer box of a widget, styled and carrying the stylesheet."""
    box = make(w.VBox, [css(), *children])
    box.add_class("pw-root")
    box.add_class(f"pw-{label}")
    return box
