"""Short summaries of the package's objects: one line of text in a console, a small card in a notebook.

A dataset or a test result printed whole would be hundreds of lines of tables; its summary says what
it is, its main numbers, and a few sentences. Classes get both forms from :class:`Summarised` by
writing one method, ``card()``.

Examples
--------
>>> card = Card("Dataset 'x'", (("cases", 3), ("practices", 2)), ("All 3 cases dated.",))
>>> print(card.text())
<Dataset 'x': cases 3; practices 2>
  All 3 cases dated.
>>> "<th>cases</th><td>3</td>" in card.html()
True
"""

from __future__ import annotations

import html
from dataclasses import dataclass

__all__ = ["Card", "Summarised"]


@dataclass(frozen=True)
class Card:
    """What an object shows of itself: a title, labelled facts, and sentences under them."""

    title: str
    facts: tuple[tuple[str, object], ...]
    lines: tuple[str, ...] = ()

    def text(self) -> str:
        """The card as text: the title and facts on one line, each sentence on a line of its own."""
        facts = "; ".join(f"{label} {value}" for label, value in self.facts)
        return f"<{self.title}: {facts}>" + "".join(f"\n  {line}" for line in self.lines)

    def html(self) -> str:
        """The card as a small HTML block; every text is escaped (names come from the data)."""
        rows = "".join(
            f"<tr><th>{html.escape(str(label))}</th><td>{html.escape(str(value))}</td></tr>"
            for label, value in self.facts
        )
        lines = "".join(f"<li>{html.escape(str(line))}</li>" for line in self.lines)
        return (
            '<div style="border:1px solid #cfd8dc;border-radius:4px;padding:0.4em 0.8em;max-width:48em">'
            f"<strong>{html.escape(self.title)}</strong>"
            f'<table style="margin:0.3em 0">{rows}</table>'
            + (f'<ul style="margin:0.3em 0">{lines}</ul>' if lines else "")
            + "</div>"
        )


class Summarised:
    """``repr()`` and a notebook's rich display from the class's :meth:`card`."""

    def card(self) -> Card:  # pragma: no cover - every summarised class defines its own
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.card().text()

    def _repr_html_(self) -> str:
        return self.card().html()
