from app.chat.markdown import escape_markdown, highlight_passage, plain_text_as_markdown


def test_html_and_markdown_in_document_text_are_escaped() -> None:
    text = "<script>alert(1)</script> ![x](http://evil/img.png) **bold** [link](http://x)"
    escaped = escape_markdown(text)
    for raw in ("<script>", "![x](", "**bold**", "[link]("):
        assert raw not in escaped
    assert escaped.replace("\\", "") == text


def test_plain_text_answer_keeps_its_bullets() -> None:
    rendered = plain_text_as_markdown("Intro line.\n- first <b>point</b> [1]\n- second [2]")
    lines = rendered.splitlines()
    assert lines[1].startswith("- first \\<b\\>point")
    assert lines[2] == "- second \\[2\\]"


def test_cited_sentences_are_bold_and_the_rest_stays_escaped_text() -> None:
    passage = "Intro <b>here</b>.\nThe coolant is at 550 degrees.  Then more text."
    rendered = highlight_passage(passage, ["The coolant is at 550 degrees."])
    assert rendered == "Intro \\<b\\>here\\</b\\>\\. **The coolant is at 550 degrees\\.** Then more text\\."
    assert highlight_passage("Plain text.", []) == "Plain text\\."
