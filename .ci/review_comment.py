"""One pull-request comment from the offline review of every stack (the workflow posts it).

    python .ci/review_comment.py OUT.md STACK.md...

Each ``STACK.md`` is a summary ``offline-preview --summary`` wrote; its first line is the
stack's verdict. The comment starts with a marker the workflow finds it by (so later pushes
update it in place), then a line per stack, then each stack's summary folded under its verdict
(unfolded when it does not pass cleanly). GitHub refuses a comment over 65,536 characters:
a summary that does not fit its share is cut, saying that the job summary holds it whole.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

MARKER = "<!-- offline-review -->"
LIMIT = 65_536
_HEADROOM = 4_000
"""Room for the header, the folds and the notes; the summaries share the rest."""
_MISSING = "❌ no summary: the preview did not finish (see the job's log)"


def _cut(stack: str, body: str, room: int) -> str:
    if len(body) <= room:
        return body
    body = body[:room].rsplit("\n", 1)[0]
    if body.count("```") % 2:  # cut inside the picture: close its fence
        body += "\n```"
    return body + f"\n\n*Cut to fit a comment: the job summary holds all of `{stack}`.*"


def comment(summaries: list[tuple[str, str]], run_url: str = "") -> str:
    """The comment for ``(stack, summary Markdown)`` pairs (an empty summary: it failed)."""
    verdicts = [
        text.splitlines()[0].removeprefix("## ") if text.strip() else _MISSING
        for _, text in summaries
    ]
    where = f" ([job summaries and artifacts]({run_url}))" if run_url else ""
    lines = [
        MARKER,
        "## Offline review",
        "",
        f"Each stack previewed against the merge base{where}:",
        "",
        *(
            f"- `{stack}`: {verdict}"
            for (stack, _), verdict in zip(summaries, verdicts, strict=True)
        ),
        "",
    ]
    room = (LIMIT - _HEADROOM - sum(map(len, lines))) // max(len(summaries), 1)
    for (stack, text), verdict in zip(summaries, verdicts, strict=True):
        body = _cut(stack, "\n".join(text.splitlines()[1:]).strip(), room)
        unfold = "" if verdict.startswith("✅") else " open"
        lines += [
            f"<details{unfold}><summary><b>{stack}</b>: {verdict}</summary>",
            "",
            body,
            "",
            "</details>",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out, *inputs = (Path(arg) for arg in argv)
    summaries = [
        (path.name.removesuffix(".md"), path.read_text() if path.is_file() else "")
        for path in sorted(inputs)
    ]
    run_url = ""
    if os.environ.get("GITHUB_RUN_ID"):
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
        repository = os.environ.get("GITHUB_REPOSITORY", "")
        run_url = f"{server}/{repository}/actions/runs/{os.environ['GITHUB_RUN_ID']}"
    out.write_text(comment(summaries, run_url))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
