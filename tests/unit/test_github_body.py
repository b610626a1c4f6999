"""The comment's text: made safe for a comment, cut to GitHub's limit with a note."""

from __future__ import annotations

from cfaction.github.body import MAX_COMMENT_CHARS, WORD_JOINER, comment_text, neutralized

MARKER = "<!-- cfaction: workflow=CI job=deploy operation=dns key= -->"
RUN = "https://github.com/octo/site/actions/runs/1"


def test_links_and_mentions_outside_code_are_neutralised() -> None:
    text = "**Error**: [sign in](https://evil.example) ![x](https://t.example/p.png) @octo/admins"

    safe = neutralized(text)

    assert "](https://evil.example)" in safe and "[sign in]" not in safe
    assert "\\[sign in\\]" in safe and "!\\[x\\]" in safe
    assert f"@{WORD_JOINER}octo/admins" in safe


def test_code_spans_and_email_addresses_are_kept_exactly() -> None:
    text = "`[a](b) @x` and ``a`b @y`` mail admin@example.com"

    assert neutralized(text) == text


def test_a_short_report_is_whole_with_the_marker_first() -> None:
    text = comment_text(MARKER, "## cfaction dns\n\nall good", RUN)

    assert text.startswith(MARKER + "\n\n## cfaction dns\n\nall good")
    assert f"[job summary and log]({RUN})" in text


def test_a_long_report_is_cut_at_a_line_with_the_note_and_its_details_closed() -> None:
    rows = "\n".join(f"| row {i} | {'x' * 100} |" for i in range(2000))
    summary = f"## cfaction purge\n\n<details><summary>batch 1</summary>\n\n{rows}\n\n</details>"

    text = comment_text(MARKER, summary, RUN)

    assert len(text) <= MAX_COMMENT_CHARS
    assert text.startswith(MARKER)
    assert "cut here to stay under GitHub's 65,536-character comment limit" in text
    assert f"[job summary]({RUN})" in text
    kept = text.split("\n\n---\n\n", 1)[0]
    assert kept.endswith("</details>")
    assert all(line.endswith("|") for line in kept.splitlines() if line.startswith("| row"))
