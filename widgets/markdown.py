"""The little markdown that check prompts and explanations use, rendered safely to HTML (no dependency).

Supported: paragraphs (blank lines), bullet lists (`- ` or `* `), numbered lists (`1. `), `**strong**`,
`*emphasis*` or `_emphasis_`, `` `code` `` and links `[text](https://...)` (http and https only). Everything
else is shown as written: the text is HTML-escaped before any markup is added, so a file can never inject
HTML or script into a learner's page.
"""

from __future__ import annotations

import html
import re

_BULLET = re.compile(r"^\s*[-*]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EM_STAR = re.compile(r"(?<![*\w])\*(?=\S)(.+?)(?<=\S)\*(?![*\w])")
_EM_UNDER = re.compile(r"(?<![_\w])_(?=\S)(.+?)(?<=\S)_(?![_\w])")


def _inline(text: str) -> str:
    """One escaped line or paragraph with its inline markup."""
    codes: list[str] = []

    def keep(match: re.Match) -> str:
        codes.append(f"<code>{match.group(1)}</code>")
        return f"\x00{len(codes) - 1}\x00"

    out = _CODE.sub(keep, text)
    out = _LINK.sub(lambda m: f'<a href="{m.group(2)}" target="_blank" rel="noopener noreferrer">{m.group(1)}</a>',
                    out)
    out = _STRONG.sub(r"<strong>\1</strong>", out)
    out = _EM_STAR.sub(r"<em>\1</em>", out)
    out = _EM_UNDER.sub(r"<em>\1</em>", out)
    return re.sub("\x00(\\d+)\x00", lambda m: codes[int(m.group(1))], out)


def md(text: str) -> str:
    """Markdown text as HTML (see the module docstring for what is supported)."""
    blocks = [b for b in re.split(r"\n\s*\n", str(text).replace("\r\n", "\n").strip()) if b.strip()]
    out = []
    for block in blocks:
        lines = [html.escape(ln, quote=True) for ln in block.strip().split("\n")]
        for pattern, tag in ((_BULLET, "ul"), (_NUMBERED, "ol")):
            if all(pattern.match(ln) for ln in lines):
                items = "".join(f"<li>{_inline(pattern.match(ln).group(1).strip())}</li>" for ln in lines)
                out.append(f"<{tag}>{items}</{tag}>")
                break
        else:
            out.append(f"<p>{_inline(' '.join(ln.strip() for ln in lines))}</p>")
    return "".join(out)


def md_line(text: str) -> str:
    """Markdown of one short line (an option, an item) as HTML without a paragraph around it."""
    return _inline(html.escape(" ".join(str(text).split()), quote=True))


def plain(text: str) -> str:
    """Markdown text as one line of plain text (for a legend or a label read by a screen reader)."""
    out = _LINK.sub(r"\1", " ".join(str(text).split()))
    out = _CODE.sub(r"\1", out)
    out = _STRONG.sub(r"\1", out)
    out = _EM_STAR.sub(r"\1", out)
    return _EM_UNDER.sub(r"\1", out)
