"""The class report: where the class did well and where it went wrong, as one HTML page.

For each lesson: the distribution of scores, the share of the class getting each knowledge check
right, and for every moment of every role-play the share of the class taking each choice (what
the debrief is about). Figures are PNGs drawn with matplotlib, embedded in the page (so it can be
e-mailed as one file) and also written beside it. Figures never show names; the table of flagged
hand-ins names student ids, because the instructor has to act on them.

Items a learner skipped for wellbeing are left out: each lesson's table of totals gives nbgrader's raw total
and maximum beside the adjusted ones and the number of skipped items (never which, never why), and the share
of the class with full marks on an item counts only the learners who did not skip it.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections import Counter, defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: the report is drawn in files only
import matplotlib.pyplot as plt  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402

from . import gradebook  # noqa: E402
from .ledger import Ledger  # noqa: E402

HONOUR, BREAK = "#2e7d32", "#c62828"


_calls, _name, _kw = gradebook.calls_in, gradebook.call_name, gradebook.call_arg


def lesson_structure(url: str, lesson: str) -> dict:
    """What each autograded cell of a lesson grades: {'checks': {cell: (activity, qid)}, 'roleplays': {cell: ...}}."""
    checks, roleplays, other = {}, {}, []
    with Gradebook(url) as gb:
        for nb in gb.find_assignment(lesson).notebooks:
            sources = {c.name: c.source for c in nb.source_cells}
            for cell in nb.grade_cells:
                found = False
                for call in _calls(sources.get(cell.name, "")):
                    if _name(call) == "check_points":
                        checks[cell.name] = (_kw(call, "activity", 3, "checks"), _kw(call, "question", 0))
                        found = True
                    elif _name(call) == "roleplay_points":
                        roleplays[cell.name] = (_kw(call, "activity", 2, "roleplay"), _kw(call, "scenario_file", 0))
                        found = True
                if not found and cell.cell_type == "code":
                    other.append(cell.name)
    return {"checks": checks, "roleplays": roleplays, "other": other}


def _question_texts(release: Path) -> dict[tuple[str, str], str]:
    from pathways.checks import load_checks

    texts = {}
    for path in sorted(release.glob("*.y*ml")):
        try:
            checks = load_checks(path)
        except Exception:  # noqa: BLE001 - not a knowledge-check file
            continue
        for q in checks.questions:
            texts[(checks.activity, q.id)] = " ".join(q.prompt.split())
    return texts


def roleplay_choices(root: Path, ledger: Ledger, lesson: str, activity: str, scenario_file: Path):
    """Count, over the graded class, each choice taken at each node (the graded attempt, when valid)."""
    from pathways.autograde import record_verdict
    from pathways.responses import ResponseFileError, read_file
    from pathways.scenario import load

    scenario = load(scenario_file)
    counts: dict[str, Counter] = defaultdict(Counter)
    walkers = 0
    for sid, les, sub in ledger.entries():
        if les != lesson or sub.status != "graded":
            continue
        try:
            record = read_file(root / "submitted" / sid / lesson / "responses.json").get(activity)
        except (ResponseFileError, OSError):
            continue
        if not isinstance(record, dict):
            continue
        verdict = record_verdict(scenario, record)  # the attempt the grader graded, as it graded it
        if not verdict.valid:
            continue  # a forged path, or one played on an older version, says nothing about this version
        walkers += 1
        seen = set()
        for step in verdict.walk.steps if verdict.walk else []:
            if (step.node, step.choice) not in seen:
                counts[step.node][step.choice] += 1
                seen.add((step.node, step.choice))
    return scenario, counts, walkers


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def fig_scores(scores: list[float], max_score: float, lesson: str) -> bytes:
    """Histogram of a lesson's scores."""
    fig, ax = plt.subplots(figsize=(6, 3))
    bins = max(5, min(20, int(max_score) + 1)) if max_score else 10
    ax.hist(scores, bins=bins, range=(0, max_score or 1), color="#3f51b5", edgecolor="white")
    ax.set_xlabel(f"score (of {max_score:g})")
    ax.set_ylabel("students")
    ax.set_title(f"{lesson}: scores ({len(scores)} graded)")
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _png(fig)


def fig_checks(labels: list[str], shares: list[float], lesson: str) -> bytes:
    """Share of the class with each check right."""
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(labels) + 1.2))
    y = range(len(labels))
    ax.barh(list(y), [100 * s for s in shares], color=["#2e7d32" if s >= 0.7 else "#f9a825" if s >= 0.4
                                                       else "#c62828" for s in shares])
    ax.set_yticks(list(y), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of graded students with full marks")
    ax.set_title(f"{lesson}: knowledge checks and activities")
    for i, s in enumerate(shares):
        ax.text(min(100 * s + 1, 92), i, f"{100 * s:.0f}%", va="center", fontsize=8)
    return _png(fig)


def fig_roleplay(scenario, counts, walkers: int) -> bytes:
    """One panel per role-play moment: the share taking each choice, green if it honours a principle."""
    nodes = [nid for nid, node in scenario.nodes.items() if node.choices]
    heights = [len(scenario.nodes[n].choices) + 1.2 for n in nodes]
    fig, axes = plt.subplots(len(nodes), 1, figsize=(8, 0.38 * sum(heights) + 0.8), squeeze=False, sharex=True,
                             gridspec_kw={"height_ratios": heights}, layout="constrained")
    for ax, nid in zip(axes[:, 0], nodes, strict=True):
        node = scenario.nodes[nid]
        total = sum(counts[nid].values())
        shares = [(counts[nid][c.id] / total if total else 0.0) for c in node.choices]
        ax.barh(range(len(node.choices)), [100 * s for s in shares],
                color=[HONOUR if c.feedback.honours else BREAK for c in node.choices])
        ax.set_yticks(range(len(node.choices)), [_short(c.text, 55) for c in node.choices], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_title(f"{nid} ({total} of {walkers} reached it): {_short(node.text, 70)}", fontsize=8, loc="left")
        for i, s in enumerate(shares):
            ax.text(min(100 * s + 1, 90), i, f"{100 * s:.0f}%", va="center", fontsize=7)
    axes[-1, 0].set_xlabel("% of the students who reached this moment (green: honours the principle)")
    fig.suptitle(f"Role-play '{scenario.title}': choices taken", fontsize=10)
    return _png(fig)


def build_report(root: Path, url: str, out: Path, lessons: list[str], names: bool = False) -> Path:
    """Draw every figure, write them as PNGs beside `out`, and write the self-contained HTML page."""
    from pathways.scenario import ScenarioError

    ledger = Ledger.load(root)
    table = gradebook.scores(url)
    figdir = out.parent / (out.stem + "-figures")
    figdir.mkdir(parents=True, exist_ok=True)
    parts = []
    figures = []

    def add_figure(name: str, png: bytes, alt: str) -> None:
        (figdir / f"{name}.png").write_bytes(png)
        figures.append(name)
        data = base64.b64encode(png).decode("ascii")
        parts.append(f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'
                     f"<figcaption>{html.escape(alt)}</figcaption></figure>")

    last = {}
    last_file = root / "pathways" / "last-grade.json"
    if last_file.exists():
        last = json.loads(last_file.read_text())

    for lesson in lessons:
        graded = {sid: v for (sid, les), v in table.items() if les == lesson
                  and (ledger.get(sid, les) is None or ledger.get(sid, les).status == "graded")}
        failed = [sid for sid, les, sub in ledger.entries() if les == lesson and sub.status == "failed"]
        parts.append(f"<h2>{html.escape(lesson)}</h2>")
        if not graded and not failed:
            parts.append("<p>No hand-ins graded yet.</p>")
            continue
        max_score = max((v["max"] for v in graded.values()), default=0)
        scores = [v["score"] for v in graded.values()]
        items_of = gradebook.cell_items(url, lesson, root / "release" / lesson)
        read = {sid: _excusals(root, sid, lesson) for sid in graded}
        adjusted = {sid: gradebook.adjust(v, items_of, *read[sid]) for sid, v in graded.items()}
        if scores:
            mean = sum(scores) / len(scores)
            kept = [a.score / a.max for a in adjusted.values() if a.max]
            skipping = sum(1 for a in adjusted.values() if a.excused)
            parts.append(f"<p>{len(scores)} graded, {len(failed)} could not be graded. Mean {mean:.1f} of "
                         f"{max_score:g} (nbgrader's raw total). Adjusted for items skipped for wellbeing: mean "
                         f"{100 * sum(kept) / len(kept) if kept else 0:.0f}% of each learner's adjusted maximum; "
                         f"{skipping} learner(s) skipped at least one item.</p>")
            add_figure(f"{lesson}-scores", fig_scores(scores, max_score, lesson),
                       f"{lesson}: distribution of scores of {len(scores)} graded students")
        structure = lesson_structure(url, lesson)
        parts.append(_totals_table(adjusted))
        excused = {sid: set(items) for sid, (items, _problem) in read.items()}
        texts = _question_texts(root / "release" / lesson)
        labels, shares = [], []
        for cell, (activity, qid) in structure["checks"].items():
            if pairs := _not_skipped(cell, graded, items_of, excused):
                labels.append(_short(f"{qid}: {texts.get((activity, qid), cell)}", 70))
                shares.append(_full_share(pairs))
        for cell in structure["other"]:
            if pairs := _not_skipped(cell, graded, items_of, excused):
                labels.append(f"activity ({cell}), full marks")
                shares.append(_full_share(pairs))
        for cell in structure["roleplays"]:
            if pairs := _not_skipped(cell, graded, items_of, excused):
                labels.append(f"role-play ({cell}), full marks")
                shares.append(_full_share(pairs))
        if labels:
            add_figure(f"{lesson}-checks", fig_checks(labels, shares, lesson),
                       f"{lesson}: share of the class with each knowledge check right")
        for activity, scenario_file in structure["roleplays"].values():
            path = root / "release" / lesson / str(scenario_file)
            try:
                scenario, counts, walkers = roleplay_choices(root, ledger, lesson, activity, path)
            except (ScenarioError, OSError) as exc:
                parts.append(f"<p>Role-play {html.escape(str(scenario_file))} could not be read: "
                             f"{html.escape(str(exc))}</p>")
                continue
            add_figure(f"{lesson}-roleplay-{scenario.id}", fig_roleplay(scenario, counts, walkers),
                       f"{lesson}: role-play '{scenario.title}', share of the class taking each choice at each "
                       f"moment ({walkers} valid transcripts)")
            parts.append(_choice_table(scenario, counts))

    flagged = [(sid, lesson, sub) for sid, lesson, sub in ledger.entries() if sub.flags or sub.status == "failed"]
    parts.append("<h2>Hand-ins that need a look</h2>")
    if flagged:
        rows = "".join(f"<tr><td>{html.escape(sid)}</td><td>{html.escape(lesson)}</td>"
                       f"<td>{'not graded' if sub.status == 'failed' else 'graded'}</td>"
                       f"<td>{html.escape('; '.join(sub.flags))}</td></tr>" for sid, lesson, sub in flagged)
        parts.append("<table><tr><th>student id</th><th>lesson</th><th>status</th><th>reason</th></tr>"
                     f"{rows}</table>")
    else:
        parts.append("<p>None.</p>")
    if ledger.unassigned:
        # A name fitting several learners on the class list: given to none of them (see GRADING.md).
        rows = "".join(f"<tr><td>{html.escape(r['lesson'])}</td>"
                       + (f"<td>{html.escape(r['label'])}</td>" if names else "")
                       + f"<td>{html.escape(', '.join(r['candidates']))}</td><td>{html.escape(r['archive'])}</td></tr>"
                       for r in ledger.unassigned)
        parts.append("<h2>Hand-ins not assigned to anyone</h2><p>Each is named after a name that several learners "
                     "on the class list share, so it was given to none of them and not graded. Rename its folder or "
                     "zip to the right learner's id (or e-mail) and run <code>pathways collect</code> again.</p>"
                     "<table><tr><th>lesson</th>" + ("<th>named</th>" if names else "")
                     + f"<th>could be</th><th>kept in</th></tr>{rows}</table>")
    if names:
        rows = []
        totals = gradebook.adjusted_scores(url, root, table)

        def shown(sid: str, les: str) -> str:
            a = totals.get((sid, les))
            if a is None:
                return ""
            return f"{a.raw:g}" + (f" (adjusted {a.score:g} of {a.max:g}, {a.excused} skipped)" if a.excused else "")

        for sid in sorted(ledger.students):
            cells = "".join(f"<td>{html.escape(shown(sid, les))}</td>" for les in lessons)
            rows.append(f"<tr><td>{html.escape(sid)}</td><td>{html.escape(ledger.name(sid))}</td>{cells}</tr>")
        head = "".join(f"<th>{html.escape(les)}</th>" for les in lessons)
        parts.append(f"<h2>Students</h2><table><tr><th>id</th><th>name</th>{head}</tr>{''.join(rows)}</table>")
    if last:
        parts.append(f"<p class='meta'>Last grading run {html.escape(last.get('when', ''))}: isolation of student "
                     f"code: {html.escape(last.get('isolation', ''))}. "
                     + html.escape(" ".join(last.get("warnings", []))) + "</p>")

    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pathways class report</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}}
img{{max-width:100%}} table{{border-collapse:collapse;margin:1rem 0}} td,th{{border:1px solid #999;padding:.25rem .5rem;
text-align:left;vertical-align:top}} .honours{{color:{HONOUR}}} .breaks{{color:{BREAK}}} .meta{{color:#555}}</style>
</head><body><main>
<h1>Pathways class report</h1>
<p>Figures show the class as a whole; no names appear in them.</p>
{''.join(parts)}
</main></body></html>
"""
    out.write_text(page, encoding="utf-8")
    return out


def _excusals(root: Path, sid: str, lesson: str) -> tuple[dict, str | None]:
    from pathways.excusal import excusals_in_file

    return excusals_in_file(gradebook.responses_file(root, sid, lesson))


def _not_skipped(cell: str, graded: dict, items_of: dict, excused: dict[str, set]) -> list[tuple]:
    """(score, max) of a cell for every graded learner who did not skip what it grades for wellbeing."""
    items = items_of.get(cell)
    return [(v["cells"].get(cell), v["cell_max"].get(cell)) for sid, v in graded.items()
            if not (items and items <= excused.get(sid, set()))]


def _full_share(pairs: list[tuple]) -> float:
    return sum(1 for g, m in pairs if g is not None and m and g >= m) / len(pairs)


def _totals_table(adjusted: dict[str, gradebook.Adjusted]) -> str:
    """Per learner (by id): nbgrader's raw total and maximum, the adjusted ones, how many items were skipped."""
    if not adjusted:
        return ""
    skipped = sum(1 for a in adjusted.values() if a.excused)
    rows = "".join(
        f"<tr><td>{html.escape(sid)}</td><td>{a.raw:g} of {a.raw_max:g}</td><td>{a.score:g} of {a.max:g}</td>"
        f"<td>{a.excused}</td><td>{html.escape('skips could not be read: none applied' if a.problem else '')}</td>"
        "</tr>" for sid, a in sorted(adjusted.items()))
    return ("<details><summary>Totals: nbgrader's raw total and the total adjusted for items skipped for wellbeing "
            f"({skipped} learner(s) skipped at least one item)</summary>"
            "<p>A skipped item leaves both the points earned and the maximum. Only the number of skipped items is "
            "shown; learners are never asked why, and which items they skipped is not reported.</p>"
            "<table><tr><th>student id</th><th>raw total (nbgrader)</th><th>adjusted total</th>"
            f"<th>items skipped for wellbeing</th><th>note</th></tr>{rows}</table></details>")


def _choice_table(scenario, counts) -> str:
    rows = []
    for nid, node in scenario.nodes.items():
        if not node.choices:
            continue
        total = sum(counts[nid].values())
        for c in node.choices:
            n = counts[nid][c.id]
            cls = "honours" if c.feedback.honours else "breaks"
            verb = "honours" if c.feedback.honours else "breaks"
            rows.append(f"<tr><td>{html.escape(nid)}</td><td>{html.escape(c.text)}</td>"
                        f"<td class='{cls}'>{verb} {html.escape(c.feedback.principle)}</td>"
                        f"<td>{n}</td><td>{(100 * n / total if total else 0):.0f}%</td></tr>")
    return ("<details><summary>Every choice, for the debrief</summary><table><tr><th>moment</th><th>choice</th>"
            f"<th>principle</th><th>students</th><th>share</th></tr>{''.join(rows)}</table></details>")
