"""The little markdown that check prompts and explanations use, rendered safely to HTML by markdown-it-py.

Enabled: paragraphs, bullet and numbered lists, `**strong**`, `*emphasis*` or `_emphasis_`, `` `code` ``,
backslash escapes, and links `[text](https://...)` to http and https addresses only (they open in a new tab).
Raw HTML is off: markdown-it escapes every `<`, `>`, `&` and quote, so a file can never inject HTML or script
into a learner's page; any other markdown (headings, images, tables) is shown as written.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

_RULES = ["list", "emphasis", "backticks", "link", "escape", "newline"]


def _parser() -> MarkdownIt:
    parser = MarkdownIt("zero", {"html": False, "linkify": False, "typographer": False}).enable(_RULES)
    parser.validateLink = lambda url: url.lower().startswith(("http://", "https://"))

    def link_open(renderer, tokens, idx, options, env):
        tokens[idx].attrSet("target", "_blank")
        tokens[idx].attrSet("rel", "noopener noreferrer")
        return renderer.renderToken(tokens, idx, options, env)

    parser.add_render_rule("link_open", link_open)
    return parser


_MD = _parser()


def md(text: str) -> str:
    """Markdown text as HTML (see the module docstring for what is supported)."""
    return _MD.render(str(text).replace("\r\n", "\n").strip())


def md_line(text: str) -> str:
    """Markdown of one short line (an option, an item) as HTML without a paragraph around it."""
    return _MD.renderInline(" ".join(str(text).split()))


def plain(text: str) -> str:
    """Markdown text as one line of plain text (for a legend or a label read by a screen reader)."""
    words = []
    for block in _MD.parseInline(" ".join(str(text).split())):
        for token in block.children or []:
            if token.type in ("text", "code_inline"):
                words.append(token.content)
            elif token.type in ("softbreak", "hardbreak"):
                words.append(" ")
    return "".join(words)
