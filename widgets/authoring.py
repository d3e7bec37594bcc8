"""The author's toolkit, as pure functions: find scenario files, list every path, draw the graph, start a new one.

`pathways check`, `pathways graph`, `pathways new-scenario` (grading/authoring.py) and the preview
notebook (views/preview.py) are thin layers over these. Nothing here imports Jupyter; matplotlib
and networkx are imported only when a diagram is drawn.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import yaml

from .activities import registry
from .scenario import engine
from .scenario.analysis import analyse
from .scenario.model import Scenario
from .scenario.problems import ScenarioError
from .scenario.source import read_text

#: A translation's file name: the scenario's name, a language code, then .yaml (er_visit.es.yaml).
TRANSLATION_NAME = re.compile(r"^.+\.[a-z]{2,3}(-[A-Za-z]{2,4})?\.ya?ml$")


def file_kind(path: str | Path) -> str:
    """The file format a file is of, judged by its top-level fields: the name of a registered activity kind's
    format ('scenario', 'translation', 'checks', 'sorting'; `pathways.activities.registry`), else 'other'."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return "scenario" if not TRANSLATION_NAME.match(Path(path).name) else "translation"
    if not isinstance(data, dict):
        return "scenario"  # the scenario check explains what a scenario file must look like
    found = registry.file_kind(data)
    return found[1].name if found else "other"


def file_format(name: str):
    """The kind and file format of a format's name ('checks'), or None."""
    return next(((k, f) for k in registry.kinds() for f in k.files if f.name == name), None)


def yaml_files(root: str | Path) -> list[Path]:
    """Every YAML file under a folder (not in Jupyter's checkpoint folders), sorted."""
    return sorted(p for p in Path(root).rglob("*.y*ml") if p.suffix in (".yaml", ".yml")
                  and ".ipynb_checkpoints" not in p.parts)


def scenario_files(root: str | Path) -> list[Path]:
    """Every role-play scenario under a folder (not knowledge checks, exercises or translations), sorted."""
    return [p for p in yaml_files(root) if file_kind(p) == "scenario"]


def translation_files(root: str | Path) -> list[Path]:
    """Every scenario translation under a folder, sorted."""
    return [p for p in yaml_files(root) if file_kind(p) == "translation"]


# --- every path through a scenario ------------------------------------------------------------------


@dataclass(frozen=True)
class PathRow:
    """One complete path, as the preview's "show all paths" table shows it."""

    number: int
    choices: list[tuple[str, str, str]]  # (node id, choice id, choice text)
    score: int
    best: int
    ending: str
    title: str
    outcome: str
    earned: int = 0  # what the choices earned before the ending's limit
    limit: str = ""  # why the score is limited (the scoring rule's words), if it is

    @property
    def route(self) -> str:
        """The choices taken, by id: 'routine-privacy → universal-education → ...'."""
        return " → ".join(cid for _n, cid, _t in self.choices)


def path_rows(scenario: Scenario) -> list[PathRow]:
    """Every complete path through the scenario with its score and ending, best first (as grading counts:
    the engine's scoring rule, so a limited path shows what it keeps and why)."""
    walks = engine.all_walks(scenario)
    best = max((w.score for w in walks), default=0)
    rows = []
    ordered = sorted(walks, key=lambda w: (-w.score, len(w.steps), [s.choice for s in w.steps]))
    for number, walk in enumerate(ordered, start=1):
        ending = scenario.nodes[walk.node].ending
        choices = [(s.node, s.choice, engine.choice_at(scenario, s.node, s.choice).text) for s in walk.steps]
        rows.append(PathRow(number, choices, walk.score, best, walk.node, ending.title, ending.outcome,
                            walk.earned, engine.limit_words(walk)))
    return rows


# --- what every path to a moment has done (`pathways check --paths`) ---------------------------------------


@dataclass(frozen=True)
class Reached:
    """What the paths that reach one moment have in common: the story's text there may assume only `always`."""

    node: str
    paths: int  # how many different paths reach it (prefixes of complete walks)
    always: list[str]  # choices every path here has taken
    sometimes: list[str]  # choices some paths here have taken and others not
    never: list[str]  # choices skipped on the way: offered at a moment some path here passed, taken by none
    values: dict[str, list[int]]  # each variable's possible values here


def reached(scenario: Scenario) -> list[Reached]:
    """For each moment a learner can reach, in the file's order: the choices every path to it has taken, some
    have, and none has; and the values its variables can have there. Choices are named by id, or 'moment/id'
    when two moments use the same id."""
    seen: dict[str, list[tuple[tuple, dict[str, int]]]] = {}
    for walk in engine.all_walks(scenario):
        replay = engine.Walk(scenario)
        taken: list[tuple[str, str]] = []
        for step in [*walk.steps, None]:
            seen.setdefault(replay.node, []).append((tuple(taken), dict(replay.variables)))
            if step is not None:
                replay.choose(step.choice)
                taken.append((step.node, step.choice))
    ids = [c.id for n in scenario.nodes.values() for c in n.choices]

    def name(pair: tuple[str, str]) -> str:
        return pair[1] if ids.count(pair[1]) == 1 else f"{pair[0]}/{pair[1]}"

    out = []
    for nid in scenario.nodes:
        paths = list(dict.fromkeys(t for t, _v in seen.get(nid, [])))
        if not paths:
            continue
        anywhere = set().union(*paths)
        always = set.intersection(*map(set, paths))  # (moment, choice) pairs, whatever their order
        passed = {n for n, _c in anywhere}
        skipped = {(n, c.id) for n in passed for c in scenario.nodes[n].choices} - anywhere
        values = {v: sorted({vals.get(v, 0) for _t, vals in seen[nid]}) for v in scenario.variables}
        order = {(n, c.id): i for i, (n, c) in enumerate((n, c) for n, node in scenario.nodes.items()
                                                         for c in node.choices)}
        out.append(Reached(nid, len(paths), [name(p) for p in sorted(always, key=order.get)],
                           [name(p) for p in sorted(anywhere - always, key=order.get)],
                           [name(p) for p in sorted(skipped, key=order.get)], values))
    return out


# --- the diagram ------------------------------------------------------------------------------------

#: Fill colours of endings by outcome, and of the other kinds of node (colour-blind safe, with words too).
COLOURS = {"hopeful": "#b8e0c2", "open": "#ffe29a", "concerning": "#f4b6b6", "node": "#e4eef8",
           "missing": "#ffffff"}
COLOURS_ENDINGS = ("hopeful", "open", "concerning")
EDGE_GOOD, EDGE_MISSTEP = "#1b6e3a", "#a3341f"


def diagram_graph(scenario: Scenario):
    """The scenario as a networkx MultiDiGraph, ready for networkx's multipartite layout.

    Choices that go the same way with the same verdict share one labelled edge. Each node's
    `layer` is its distance from the start; endings share the bottom layer.
    """
    import networkx as nx

    graph = nx.MultiDiGraph()
    for nid, node in scenario.nodes.items():
        kind = node.ending.outcome if node.ending else "node"
        graph.add_node(nid, kind=kind, start=nid == scenario.start,
                       title=node.ending.title if node.ending else "")
    grouped: dict[tuple, list[str]] = {}
    for nid, node in scenario.nodes.items():
        for choice in node.choices:
            if isinstance(choice.next, str):
                branches = [(choice.next, None)]
            else:
                branches = [(b.goto, f"then if {b.when}" if b.when else "otherwise") for b in choice.next]
            for target, when in branches:
                if target not in graph:
                    graph.add_node(target, kind="missing", start=False, title="missing node")
                conds = ([f"if {choice.when}"] if choice.when else []) + ([when] if when else [])
                label = f"{choice.id} ({choice.score})" + (f" {', '.join(conds)}" if conds else "")
                grouped.setdefault((nid, target, choice.feedback.honours), []).append(label)
    for (nid, target, honours), labels in grouped.items():
        graph.add_edge(nid, target, label="\n".join(labels), honours=honours)
    # Layers: distance from the start (endings share the bottom layer, unreachable nodes sit just above it).
    depth: dict[str, int] = {}
    if scenario.start in graph:
        for level, names in enumerate(nx.bfs_layers(graph, [scenario.start])):
            depth.update(dict.fromkeys(names, level))
    inner = [depth.get(n, -1) for n in graph if graph.nodes[n]["kind"] not in COLOURS_ENDINGS]
    lost = max(inner, default=0) + 1
    for name in graph:
        ending = graph.nodes[name]["kind"] in COLOURS_ENDINGS
        graph.nodes[name]["layer"] = lost + 1 if ending else depth.get(name, lost)
    # Within a layer networkx keeps insertion order: order each layer by where its parents stand
    # (a barycentre pass), so that fewer choices cross.
    order: dict[str, float] = {}
    ordered = nx.MultiDiGraph()
    for level in sorted({d["layer"] for _n, d in graph.nodes(data=True)}):
        names = [n for n, d in graph.nodes(data=True) if d["layer"] == level]
        def centre(n: str) -> float:
            parents = [order[p] for p in graph.predecessors(n) if p in order]
            return sum(parents) / len(parents) if parents else float(len(order))
        names.sort(key=centre)
        for i, n in enumerate(names):
            order[n] = i - (len(names) - 1) / 2
            ordered.add_node(n, **graph.nodes[n])
    ordered.add_edges_from(graph.edges(keys=True, data=True))
    graph = ordered
    return graph


def draw(scenario: Scenario, out: str | Path) -> Path:
    """Draw the scenario to an SVG or PNG file (chosen by the suffix); return the file written."""
    import matplotlib
    import networkx as nx
    from matplotlib.figure import Figure

    out = Path(out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("svg", "png"):
        raise ValueError(f"{out.name}: the diagram can be saved as .svg or .png, not .{fmt or '(none)'}")
    graph = diagram_graph(scenario)
    pos = nx.multipartite_layout(graph, subset_key="layer", align="horizontal")
    pos = {n: (x, -y) for n, (x, y) in pos.items()}  # the start at the top
    layers: dict[int, int] = {}
    for _n, data in graph.nodes(data=True):
        layers[data["layer"]] = layers.get(data["layer"], 0) + 1
    width = max(8.0, 2.9 * max(layers.values()))
    height = max(5.0, 2.0 * len(layers) + 1.5)
    fig = Figure(figsize=(width, height), dpi=100)
    ax = fig.subplots()
    ax.set_axis_off()
    _draw_edges(graph, pos, ax)
    _draw_nodes(graph, pos, ax)
    best = engine.best_score(scenario) if not any(d["kind"] == "missing" for _n, d in graph.nodes(data=True)) else 0
    ax.set_title(f"{scenario.title} ({scenario.id}, version {scenario.version}) — best score {best}", fontsize=11)
    _draw_legend(ax)
    ax.margins(0.12, 0.08)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    # No date in the file, and fixed SVG ids, so drawing the same scenario twice gives the same file.
    with matplotlib.rc_context({"svg.hashsalt": "pathways", "svg.fonttype": "path"}):
        meta = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(out, format=fmt, metadata=meta)
    return out


def _draw_edges(graph, pos: dict, ax) -> None:
    """One arc per group of choices; missteps dashed and red, the rest green."""
    import networkx as nx

    seen: dict[tuple, int] = {}
    for u, v, k, data in graph.edges(keys=True, data=True):
        nth = seen.get((u, v), 0)
        seen[(u, v)] = nth + 1
        # Parallel groups fan out with their labels at different places; a choice that skips layers
        # bends wider, around the nodes in between.
        span = abs(graph.nodes[v]["layer"] - graph.nodes[u]["layer"])
        style = f"arc3,rad={(0.12 if span <= 1 else 0.3) + 0.25 * nth:.2f}"
        label_pos = (0.45, 0.7, 0.3)[nth % 3]
        colour = EDGE_GOOD if data["honours"] else EDGE_MISSTEP
        nx.draw_networkx_edges(graph, pos, edgelist=[(u, v, k)], ax=ax, edge_color=colour, arrows=True,
                               arrowsize=14, width=1.6, style="solid" if data["honours"] else "dashed",
                               connectionstyle=style, min_source_margin=16, min_target_margin=26)
        nx.draw_networkx_edge_labels(graph, pos, edge_labels={(u, v, k): data["label"]}, ax=ax, font_size=7,
                                     font_color=colour, connectionstyle=style, label_pos=label_pos, rotate=False,
                                     bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})


def _draw_nodes(graph, pos: dict, ax) -> None:
    """Boxes with the node's name; endings carry their title and outcome in words as well as colour."""
    import networkx as nx

    for name, data in graph.nodes(data=True):
        kind = data["kind"]
        text = name if kind == "node" else (f"{name}\n(missing)" if kind == "missing" else
                                             f"{name}\n{textwrap.fill(data['title'], 22)}\n[{kind} ending]")
        if data["start"]:
            text = f"START\n{text}"
        nx.draw_networkx_labels(graph, pos, labels={name: text}, ax=ax, font_size=8,
                                font_weight="bold" if data["start"] else "normal",
                                bbox={"boxstyle": "round,pad=0.5", "fc": COLOURS[kind],
                                      "ec": "#222222" if data["start"] else "#555555",
                                      "lw": 2.2 if data["start"] else 1.0,
                                      "ls": "--" if kind == "missing" else "-"})


def _draw_legend(ax) -> None:
    """What the colours and lines mean."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    legend = [Patch(fc=COLOURS["node"], ec="#555555", label="moment (node)"),
              Patch(fc=COLOURS["hopeful"], ec="#555555", label="hopeful ending"),
              Patch(fc=COLOURS["open"], ec="#555555", label="open ending"),
              Patch(fc=COLOURS["concerning"], ec="#555555", label="concerning ending"),
              Line2D([], [], color=EDGE_GOOD, lw=1.6, label="choice that honours a principle (points)"),
              Line2D([], [], color=EDGE_MISSTEP, lw=1.6, ls="--", label="choice that works against one")]
    ax.legend(handles=legend, loc="lower center", bbox_to_anchor=(0.5, -0.02), ncol=3, fontsize=8, frameon=False)


def draw_file(scenario_file: str | Path, out: str | Path) -> Path:
    """Draw a scenario file; a file whose schema is broken cannot be drawn (ScenarioError lists why).

    Graph errors such as a missing node do not stop the drawing: the picture shows them.
    """
    path = Path(scenario_file)
    checked = analyse(read_text(path), str(path))
    if checked.scenario is None:
        raise ScenarioError(checked.errors)
    return draw(checked.scenario, out)


# --- a new scenario to start from ------------------------------------------------------------------


def slug(name: str) -> str:
    """A valid scenario id from a name: 'Bus Station' -> 'bus-station'."""
    out = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_")
    return out[:60] or "my-role-play"


TEMPLATE_FILE = "data/new_scenario.yaml"


def new_scenario_text(name: str) -> str:
    """The text of a small, valid scenario named `name`, with comments that explain each part."""
    from importlib import resources

    text = resources.files(__package__).joinpath(TEMPLATE_FILE).read_text(encoding="utf-8")
    return text.replace("__ID__", slug(name))


def write_new_scenario(name: str, folder: str | Path = ".", force: bool = False) -> Path:
    """Write `<name>.yaml` (a small valid scenario) into `folder`; never overwrite unless `force`."""
    target = Path(name)
    if target.suffix not in (".yaml", ".yml"):
        target = target.with_name(slug(target.name) + ".yaml")
    if not target.is_absolute():
        target = Path(folder) / target
    if target.exists() and not force:
        raise FileExistsError(f"{target} already exists; choose another name (or add --force to replace it)")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(new_scenario_text(target.stem.split(".")[0]), encoding="utf-8")
    return target
