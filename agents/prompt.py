"""What an agent's CLAUDE.md says about it: name from the first heading, a short description."""

from __future__ import annotations

import re

_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
MAX_PROMPT_BYTES = 512 * 1024


def title_of(text: str) -> str | None:
    for line in text.splitlines():
        match = _HEADING.match(line)
        if match:
            return match.group(1).strip()[:200]
    return None


def description_of(text: str) -> str:
    """The first paragraph that is not a heading, a rule or markup noise, on one line."""
    words: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            if words:
                break
            continue
        if line.startswith(("#", "---", "```", "|", "<")):
            if words:
                break
            continue
        line = re.sub(r"[*_`]+", "", line).lstrip("-> ").strip()
        if line:
            words.append(line)
    return " ".join(words)[:500]


def with_title(text: str, name: str) -> str:
    """`text` whose first heading reads `name` (added at the top when there is none)."""
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if _HEADING.match(line.rstrip("\r\n")):
            newline = "\n" if line.endswith("\n") else ""
            lines[index] = f"# {name}{newline}"
            return "".join(lines)
    body = text.lstrip("\n")
    return f"# {name}\n\n{body}" if body else f"# {name}\n"
