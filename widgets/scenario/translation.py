"""Translations of role-play scenarios: a separate file such as `er_visit.es.yaml`, applied by `translate`.

A scenario translation mirrors the scenario's learner-facing text, with choices named by their id
rather than their position, so reordering choices never breaks it:

    translates: er-visit        # the id of the scenario it translates
    version: 1                  # the scenario version it was made from
    language: es
    title: "..."
    nodes:
      arrival:
        text: "..."
        choices:
          routine-privacy:
            text: "..."
            feedback: {reaction: "...", why: "..."}

`pathways check er_visit.es.yaml` reports any string missing or not in the scenario, with its line;
`pathways new-translation er_visit.yaml es` writes a complete file to start from. `load` (the loader) loads a
translation as its scenario in that language. The widgets' own strings are in `pathways.i18n`, which offers
these names too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .analysis import parse
from .model import Scenario
from .problems import Problem, ScenarioError, SourceMap, dotted
from .rules.duplicates import duplicate_key_problems
from .source import Parsed, read_text, read_yaml, yaml_error

#: A language code: 'es', 'fr', 'pt-BR'.
LANG_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
#: Fields of a translation file that are not text to translate.
HEADER = ("translates", "version", "language")
#: Translations whose text equals the original and is at least this many words are probably not translated yet.
UNTRANSLATED_WORDS = 4


def learner_strings(scenario: Scenario) -> dict[tuple, str]:
    """Every learner-facing string of a scenario, keyed by its path in a translation file."""
    out: dict[tuple, str] = {("title",): scenario.title, ("role",): scenario.role, ("setting",): scenario.setting}
    for nid, node in scenario.nodes.items():
        if node.speaker:
            out[("nodes", nid, "speaker")] = node.speaker
        out[("nodes", nid, "text")] = node.text
        for choice in node.choices:
            at = ("nodes", nid, "choices", choice.id)
            out[(*at, "text")] = choice.text
            out[(*at, "feedback", "reaction")] = choice.feedback.reaction
            out[(*at, "feedback", "why")] = choice.feedback.why
            if choice.review:
                out[(*at, "review")] = choice.review
        if node.ending:
            out[("nodes", nid, "ending", "title")] = node.ending.title
    return out


def flatten(data: Any, path: tuple = ()) -> dict[tuple, Any]:
    """A translation's nested mapping as {path: value} (leaves only)."""
    if isinstance(data, dict):
        out: dict[tuple, Any] = {}
        for key, value in data.items():
            out.update(flatten(value, (*path, str(key))))
        return out
    return {path: data}


def _nest(flat: dict[tuple, str]) -> dict:
    out: dict = {}
    for path, value in flat.items():
        here = out
        for key in path[:-1]:
            here = here.setdefault(key, {})
        here[path[-1]] = value
    return out


def base_file(translation: str | Path) -> Path:
    """The scenario file a translation belongs to: er_visit.es.yaml -> er_visit.yaml (same folder)."""
    path = Path(translation)
    stem, _lang = path.stem.rsplit(".", 1) if "." in path.stem else (path.stem, "")
    return path.with_name(stem + path.suffix)


def _read_translation(path: Path, parsed: Parsed | None = None) -> tuple[dict | None, SourceMap, list[Problem]]:
    """A translation file's data and source map (`parsed`: its `read_yaml`, when the caller has it)."""
    text = read_text(path) if parsed is None else ""
    try:
        root, data = parsed if parsed is not None else read_yaml(text)
    except yaml.YAMLError as exc:
        line, problem = yaml_error(exc, text)  # the same words as for a scenario
        return None, SourceMap(None), [Problem(str(path), line, "", f"the file is not valid YAML: {problem}")]
    if not isinstance(data, dict):
        return None, SourceMap(root), [Problem(str(path), 1, "", "a translation file must be a block of "
                                               "'name: value' lines: translates, version, language and the "
                                               "translated text")]
    return data, SourceMap(root), duplicate_key_problems(root, str(path))


def translation_problems(scenario: Scenario, translation: str | Path) -> list[Problem]:
    """Everything wrong with a translation of `scenario`: strings missing, strings the scenario does not have,
    empty or non-text values, the wrong scenario or language; warnings for an old version or untranslated text."""
    path = Path(translation)
    data, smap, problems = _read_translation(path)
    if data is None:
        return problems
    return sorted(problems + _translation_problems(scenario, str(path), data, smap), key=lambda p: p.line or 0)


def _translation_problems(scenario: Scenario, name: str, data: dict, smap: SourceMap) -> list[Problem]:
    problems: list[Problem] = []

    def add(at: tuple, message: str, severity: str = "error") -> None:
        problems.append(Problem(name, smap.line(at), dotted(at), message, severity))

    if data.get("translates") != scenario.id:
        add(("translates",), f"'translates' must be the id of the scenario, {scenario.id!r} "
            f"(found {data.get('translates')!r})")
    lang = data.get("language")
    if not isinstance(lang, str) or not LANG_CODE.match(lang):
        add(("language",), f"'language' must be a language code such as 'es' or 'pt-BR' (found {lang!r})")
    if data.get("version") != scenario.version:
        add(("version",), f"this translation was made for version {data.get('version')!r} of the scenario, which "
            f"is now version {scenario.version}: check the text that changed, then set version: "
            f"{scenario.version}", "warning")
    wanted = learner_strings(scenario)
    given = flatten({k: v for k, v in data.items() if k not in HEADER})
    unknown, lost = _renamed_parts(wanted, given, add)
    same = []
    for at, value in given.items():
        if at[:2] in unknown or at[:4] in unknown:
            continue
        if at not in wanted:
            add(at, f"'{'.'.join(at)}' is not text of the scenario (no such node, choice or field); "
                "fix the name or remove it")
        elif not isinstance(value, str) or not value.strip():
            add(at, f"the translation of '{'.'.join(at)}' must be text, and not empty")
        elif value.strip() == wanted[at].strip() and len(value.split()) >= UNTRANSLATED_WORDS:
            same.append(at)
    _untranslated(same, smap, add)
    for at, original in wanted.items():
        if at not in given and at[:2] not in lost and at[:4] not in lost:
            add(at, f"missing translation of '{'.'.join(at)}' (the scenario says: {_short(original)!r})")
    return sorted(problems, key=lambda p: p.line or 0)


def _renamed_parts(wanted: dict[tuple, str], given: dict[tuple, object], add) -> tuple[set[tuple], set[tuple]]:
    """Moments (and choices) the translation names but the scenario has not, and those it lacks entirely: one
    problem each (a renamed moment would otherwise give one error per text on both sides). Returns both sets."""
    unknown: set[tuple] = set()
    lost: set[tuple] = set()
    for depth, what in ((2, "moment"), (4, "choice")):
        have, named = _parts(wanted, depth), _parts(given, depth)
        extra = sorted(n for n in named - have if n[:2] not in unknown)
        missing = sorted(n for n in have - named if n[:2] not in lost)
        for part in extra:
            twins = [m for m in missing if m[:-1] == part[:-1]]
            hint = (f"the scenario has {', '.join(repr(m[-1]) for m in twins)} instead, with no translation: if it "
                    f"was renamed, rename {part[-1]!r} here too" if twins else "fix the name or remove it")
            add(part, f"the {what} {part[-1]!r} is not in the scenario; {hint}")
        for part in missing:
            if not any(e[:-1] == part[:-1] for e in extra):
                count = sum(1 for at in wanted if at[:depth] == part)
                add(part[:-1], f"the {what} {part[-1]!r} has no translation ({count} text{'s' * (count != 1)}); add "
                    f"it under {'.'.join(part[:-1])}")
        unknown |= set(extra)
        lost |= set(missing)
    return unknown, lost


def _parts(strings: dict[tuple, object], depth: int) -> set[tuple]:
    """The moments (depth 2) or choices (depth 4) that texts belong to."""
    return {at[:depth] for at in strings if len(at) > depth and at[0] == "nodes" and (depth == 2 or at[2] == "choices")}


def _untranslated(same: list[tuple], smap: SourceMap, add) -> None:
    """Texts still as in the scenario: one warning each, or one for them all when there are many (a new file)."""
    if len(same) <= 3:
        for at in same:
            add(at, f"'{'.'.join(at)}' is the same as in the scenario: not translated yet?", "warning")
        return
    lines = sorted(line for at in same if (line := smap.line(at)))
    add(same[0], f"{len(same)} texts are still the same as in the scenario (not translated yet?), on lines "
        f"{', '.join(map(str, lines[:8]))}{' ...' if len(lines) > 8 else ''}; translate each of them", "warning")


def _short(text: str, words: int = 8) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")


def check_translation_file(translation: str | Path) -> list[Problem]:
    """Every problem of a translation file, its scenario found beside it (er_visit.es.yaml -> er_visit.yaml)."""
    path = Path(translation)
    scenario, problems = _base_scenario(path)
    if scenario is None:
        return problems
    try:
        return translation_problems(scenario, path)
    except ScenarioError as exc:
        return exc.problems


def _base_scenario(path: Path) -> tuple[Scenario | None, list[Problem]]:
    """The scenario a translation belongs to (parsed once), or None and why it cannot be used."""
    base = base_file(path)
    try:
        return parse(read_text(base), str(base))[0], []
    except ScenarioError as exc:
        return None, [Problem(str(path), None, "", f"its scenario {base.name} cannot be used, so the translation "
                              "cannot be checked; fix the scenario first")] + exc.problems


def translate(scenario: Scenario, translation: str | Path | dict) -> Scenario:
    """The scenario with its learner-facing text replaced by a translation's (a file, or its parsed mapping).

    Pure: the graph, ids, scores and conditions stay exactly the same, so a learner's saved path is
    graded the same in every language. Strings the translation lacks stay in the original language.
    """
    if isinstance(translation, dict):
        data = translation
    else:
        data, _smap, problems = _read_translation(Path(translation))
        if data is None:
            raise ScenarioError(problems)
    given = flatten({k: v for k, v in data.items() if k not in HEADER})
    out = scenario.model_dump()
    for at, value in given.items():
        if not isinstance(value, str) or not value.strip():
            continue
        if at[:1] != ("nodes",):
            if len(at) == 1 and at[0] in ("title", "role", "setting"):
                out[at[0]] = value
            continue
        node = out["nodes"].get(at[1]) if len(at) > 2 else None
        if node is None:
            continue
        if at[2:] in (("text",), ("speaker",)) and (at[2] == "text" or node.get("speaker")):
            node[at[2]] = value
        elif at[2:] == ("ending", "title") and node.get("ending"):
            node["ending"]["title"] = value
        elif at[2] == "choices" and len(at) >= 5:
            choice = next((c for c in node["choices"] if c["id"] == at[3]), None)
            rest = at[4:]
            if choice is None:
                continue
            if rest == ("text",) or (rest == ("review",) and choice.get("review")):
                choice[rest[0]] = value
            elif rest in (("feedback", "reaction"), ("feedback", "why")):
                choice["feedback"][rest[1]] = value
    if isinstance(data.get("language"), str):
        out["language"] = data["language"]
    return Scenario.model_validate(out)


def load_translated(translation: str | Path, parsed: Parsed | None = None) -> Scenario:
    """Load a translation file as its scenario in that language; raise ScenarioError if either has an error.

    Each file is parsed once: the scenario beside it, and the translation (not at all when `parsed`, its
    `read_yaml`, is given)."""
    path = Path(translation)
    scenario, problems = _base_scenario(path)
    if scenario is None:
        raise ScenarioError([p for p in problems if p.severity == "error"])
    data, smap, problems = _read_translation(path, parsed)
    if data is None:
        raise ScenarioError(problems)
    errors = [p for p in problems + _translation_problems(scenario, str(path), data, smap) if p.severity == "error"]
    if errors:
        raise ScenarioError(errors)
    return translate(scenario, data)


def translation_template(scenario: Scenario, language: str) -> str:
    """A complete translation file to start from: every string present, still in the original language."""
    head = (f"# {language} translation of the role-play {scenario.id!r}. Replace each text with its translation,\n"
            "# keep the names on the left as they are, then run: pathways check <this file>\n")
    body = {"translates": scenario.id, "version": scenario.version, "language": language,
            **_nest(learner_strings(scenario))}
    return head + yaml.dump(body, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=10_000)


class _BlockDumper(yaml.SafeDumper):
    """Writes text of several lines as a `|` block, the way authors write it, and the rest in double quotes."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else (None if re.fullmatch(r"[A-Za-z0-9_-]+", text) else '"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_BlockDumper.add_representer(str, _represent_text)
