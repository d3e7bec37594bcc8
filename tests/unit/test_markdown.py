"""The markdown of prompts and explanations (pathways.markdown, markdown-it-py): what it renders, and that a file
can never put HTML or script into a learner's page."""

from pathways.markdown import md, md_line, plain


def test_is_the_little_markdown_rendered():
    """Are paragraphs, lists, strong, emphasis, code and links rendered?"""
    html = md("A **strong** and *em* and _em_ with `code`.\n\n- one\n- two\n\n1. first\n2. second")
    assert "<strong>strong</strong>" in html and html.count("<em>em</em>") == 2 and "<code>code</code>" in html
    assert html.count("<li>") == 4 and "<ul>" in html and "<ol>" in html and html.count("<p>") == 1


def test_do_links_open_in_a_new_tab_and_only_for_web_addresses():
    """Does an http(s) link open in a new tab without the opener, and is any other scheme left as text?"""
    html = md("[Polaris](https://polarisproject.org/) [bad](javascript:alert(1)) [file](file:///etc/passwd)")
    assert '<a href="https://polarisproject.org/" target="_blank" rel="noopener noreferrer">Polaris</a>' in html
    assert "<a href=\"javascript" not in html and "<a href=\"file" not in html and "[bad](javascript:" in html


def test_can_a_file_inject_html_or_script():
    """Is raw HTML, in text, code, link text and a line, escaped rather than rendered?"""
    for render in (md, md_line):
        html = render('<script>alert(1)</script> <img src=x onerror="alert(2)"> `<b>` [<i>x</i>](https://a.org)')
        assert "<script" not in html and "<img" not in html and "<b>" not in html and "<i>" not in html
        assert "&lt;script&gt;" in html and "&lt;b&gt;" in html


def test_is_a_line_rendered_without_a_paragraph_and_plain_text_without_markup():
    """Does md_line give inline HTML only, and plain() the words a screen reader should read?"""
    assert md_line("a **b**\n c") == "a <strong>b</strong> c"
    assert plain("Read **this** `code` and [the page](https://a.org), *now*") == "Read this code and the page, now"
    assert plain("<b>x</b>") == "<b>x</b>"  # plain text is escaped wherever it is shown, not here
