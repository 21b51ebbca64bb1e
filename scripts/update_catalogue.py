"""Bring the message catalogues in ``diffusion/locale`` up to date with the source code.

Run from the repository root: ``python scripts/update_catalogue.py``. Every English template
given to :func:`diffusion.i18n.t`, and every text of the report template given to ``_("...")``
(:func:`diffusion.i18n.template_text`), becomes an entry of each ``<lang>.po`` file: new templates are
added with an empty translation (to be filled in), templates no longer in the code are removed,
and existing translations are kept. The test suite fails while a translation is missing.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "diffusion"
LOCALE = PACKAGE / "locale"


def t_calls(package: Path = PACKAGE) -> list[tuple[str, ast.Call]]:
    """Every call ``t(...)`` in the package, with the file it is in (relative to the repository)."""
    calls = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t" and node.args:
                calls.append((path.relative_to(package.parent).as_posix(), node))
    return calls


def literal(call: ast.Call) -> str | None:
    """The template of a ``t`` call if it is a literal string (only those can be in a catalogue)."""
    first = call.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


#: A text of a Jinja template: ``_("...")`` with a double-quoted literal (it may span lines).
TEMPLATE_TEXT = re.compile(r'\b_\(\s*"((?:[^"\\]|\\.)*)"', re.S)


def template_texts(package: Path = PACKAGE) -> list[tuple[str, str, int]]:
    """Every ``_("...")`` text of the package's Jinja templates: (text, file, line), spaces collapsed."""
    found = []
    for path in sorted(package.rglob("*.j2")):
        source = path.read_text(encoding="utf-8")
        for match in TEMPLATE_TEXT.finditer(source):
            line = source.count("\n", 0, match.start()) + 1
            found.append((" ".join(match.group(1).split()), path.relative_to(package.parent).as_posix(), line))
    return found


def templates(package: Path = PACKAGE) -> dict[str, list[tuple[str, int]]]:
    """Each literal template passed to ``t(...)`` or ``_(...)`` in the package, with where it is used (file, line)."""
    found: dict[str, list[tuple[str, int]]] = {}
    for file, call in t_calls(package):
        if (template := literal(call)) is not None:
            found.setdefault(template, []).append((file, call.lineno))
    for text, file, line in template_texts(package):
        found.setdefault(text, []).append((file, line))
    return found


def update(path: Path, found: dict[str, list[tuple[str, int]]]) -> tuple[int, int]:
    """Add the new templates to one catalogue and drop the unused ones; (added, removed)."""
    po = polib.pofile(str(path), wrapwidth=0) if path.is_file() else polib.POFile(wrapwidth=0)
    if not path.is_file():
        po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": path.stem}
    old = {e.msgid: e for e in po}
    entries = []
    for msgid, where in sorted(found.items(), key=lambda item: min(item[1])):  # in the order of the code
        entry = old.get(msgid) or polib.POEntry(msgid=msgid, msgstr="")
        entry.occurrences = [(file, "") for file in dict.fromkeys(f for f, _ in sorted(where))]  # no line: less churn
        entries.append(entry)
    po[:] = entries
    po.save(str(path))
    return len(set(found) - set(old)), len(set(old) - set(found))


def main() -> int:
    found = templates()
    for path in sorted(LOCALE.glob("*.po")):
        added, removed = update(path, found)
        untranslated = [e.msgid for e in polib.pofile(str(path)) if not e.msgstr]
        print(f"{path.relative_to(ROOT)}: {added} added, {removed} removed, {len(untranslated)} to translate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
