"""The practice vocabulary: tags with English and Chinese labels and Chen (2023) case types.

Cells name practices by tag ("points_system"), Chinese label ("积分制") or English label
("Points-based system"); several practices in one cell are separated by ``;``, ``、``, ``，``
or ``,``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from diffusion.data.io import read_table
from diffusion.data.traditional import fold_traditional
from diffusion.errors import ValidationError, problem
from diffusion.i18n import t

__all__ = ["CHEN2023_CATEGORIES", "Vocabulary", "split_practices"]

#: The five case types of Chen (2023), Table 1.
CHEN2023_CATEGORIES = {
    "party_building_led": "Party-building-led",
    "systems_improvement": "Improvement of systems",
    "systems_creation": "Creation of systems",
    "new_approaches": "New approaches",
    "capacity_building": "Capacity building",
}

_SEPARATORS = ";；、，,/／|｜\n\r"
_SPLIT = re.compile(r"\s*[;；、，,/／|｜\n\r]+\s*")
VOCAB_COLUMNS = ["tag_id", "label_en", "label_zh", "aliases", "description", "chen2023_category", "chen2023_keyword"]


def split_practices(cell: str) -> list[str]:
    r"""Split a cell into practice names at ``; ； 、 ， , / ／ | ｜`` and line breaks (Alt+Enter).

    A full stop at the end of a name is dropped. :meth:`Vocabulary.split` first keeps whole the
    known names that contain a separator.

    Examples
    --------
    >>> split_practices("积分制、清单制; digital_governance")
    ['积分制', '清单制', 'digital_governance']
    >>> split_practices("积分制\n清单制。")
    ['积分制', '清单制']
    """
    return [p.rstrip("。.").strip() for p in _SPLIT.split(str(cell).strip()) if p.rstrip("。.").strip()]


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """Practice tags and their labels.

    Examples
    --------
    >>> v = Vocabulary(pd.DataFrame({"tag_id": ["points_system"], "label_en": ["Points-based system"],
    ...                              "label_zh": ["积分制"]}))
    >>> v.lookup("积分制")
    'points_system'
    """

    table: pd.DataFrame
    _index: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        table = self.table.copy()
        for col in VOCAB_COLUMNS:
            if col not in table.columns:
                table[col] = ""
        table = table[VOCAB_COLUMNS].fillna("").set_index("tag_id", drop=False)
        object.__setattr__(self, "table", table)
        index: dict[str, str] = {}
        # Plain columns, not iterrows: an extended vocabulary can have 100,000 tags.
        for tag, label_en, label_zh, alias_cell in zip(
            table.index, table["label_en"], table["label_zh"], table["aliases"]
        ):
            # Compound Chinese labels ("数字化/智慧治理") also match by each part.
            parts = [p for p in re.split(r"[/／]", label_zh) if len(p) >= 2]
            aliases = [a for a in alias_cell.split(";") if a.strip()]
            for name in (tag, label_en, label_zh, *parts, *aliases):
                if name:
                    index.setdefault(_key(name), tag)
        object.__setattr__(self, "_index", index)

    @classmethod
    def from_file(cls, path: str | Path) -> Vocabulary:
        """Read a vocabulary CSV/XLSX with at least ``tag_id`` (and ideally both labels)."""
        table = read_table(path)
        if "tag_id" not in table.frame.columns:
            raise ValidationError(
                [
                    problem(
                        table.path,
                        1,
                        "tag_id",
                        "",
                        t("missing required column"),
                        t("columns tag_id, label_en, label_zh; found {found}", found=list(table.frame.columns)),
                        t("name the tag column tag_id"),
                    )
                ],
                source=table.path,
            )
        return cls(table.frame)

    @property
    def tags(self) -> list[str]:
        return list(self.table.index)

    def lookup(self, name: str) -> str | None:
        """The tag a name refers to (tag, Chinese or English label; traditional characters folded), or None."""
        return self._index.get(_key(name)) or self._index.get(_key(fold_traditional(name)))

    def split(self, cell: str, separator: str | None = None) -> list[str]:
        """The practice names of a cell: the whole cell if it is a known name, else its parts.

        ``separator`` replaces the usual separators: a string to split at, or ``"none"`` to
        take every cell as one name.

        Known names that contain a separator ("数字化/智慧治理", "Abortion, parental consent") are
        kept whole wherever they appear; the rest is split by :func:`split_practices`.

        Examples
        --------
        >>> v = Vocabulary(pd.DataFrame({"tag_id": ["a", "b"], "label_en": ["Act, model", "Other"], "label_zh": ""}))
        >>> v.split("Act, model"), v.split("Act, model; Other"), v.split("Other, new")
        (['Act, model'], ['Act, model', 'Other'], ['Other', 'new'])
        """
        text = str(cell).strip()
        if separator is not None:
            parts = [text] if separator == "none" else text.split(separator)
            return [p.strip().rstrip("。.").strip() for p in parts if p.strip().rstrip("。.").strip()]
        if not text or self.lookup(text.rstrip("。.")) is not None:
            return [text.rstrip("。.")] if text else []
        names: list[str] = []
        rest = text
        for name in self._compound:
            while name in rest:
                before, _, rest_after = rest.partition(name)
                names += split_practices(before)
                names.append(name)
                rest = rest_after
        return names + split_practices(rest) if names else split_practices(text)

    def closest(self, name: str, n: int = 3) -> list[str]:
        """The known names nearest to ``name`` (for messages), as "label (tag)".

        Examples
        --------
        >>> v = Vocabulary(pd.DataFrame({"tag_id": ["points_system"], "label_en": ["Points"], "label_zh": ["积分制"]}))
        >>> v.closest("积分")
        ['积分制 (points_system)']
        """
        import difflib

        keys = list(self._index)
        close = difflib.get_close_matches(_key(fold_traditional(name)), keys, n=n, cutoff=0.4)
        tags = dict.fromkeys(self._index[k] for k in close)
        return [f"{self.label(tag, 'zh') or self.label(tag)} ({tag})" for tag in tags]

    def joined(self, name: str) -> list[str]:
        """Known names inside an unknown ``name``: two or more mean practices joined by another separator.

        Examples
        --------
        >>> v = Vocabulary(pd.DataFrame({"tag_id": ["a", "b"], "label_en": "", "label_zh": ["积分制", "清单制"]}))
        >>> v.joined("积分制+清单制")
        ['积分制', '清单制']
        """
        key = _key(fold_traditional(name))
        found = [k for k in self._index if len(k) >= 2 and k in key]
        inner = [k for k in found if not any(k != o and k in o for o in found)]  # 积分制, not 积分 inside it
        return sorted(inner, key=key.index) if len(inner) >= 2 else []

    @cached_property  # split() asks for it once per distinct cell
    def _compound(self) -> list[str]:
        """Known names (original spelling) that contain a separator, longest first."""
        names = [*self.table["label_en"], *self.table["label_zh"], *self.table["tag_id"]]
        return sorted({n for n in names if n and any(s in n for s in _SEPARATORS)}, key=len, reverse=True)

    def needs_folding(self, name: str) -> bool:
        """Whether ``name`` is known only once its traditional characters are folded (積分制)."""
        return self._index.get(_key(name)) is None and self.lookup(name) is not None

    def label(self, tag: str, lang: str = "en") -> str:
        if tag not in self.table.index:
            return tag
        row = self.table.loc[tag]
        first, second = ("label_en", "label_zh") if lang == "en" else ("label_zh", "label_en")
        return row[first] or row[second] or tag

    def extended(self, names: list[str]) -> Vocabulary:
        """A copy with new tags for ``names`` (used with ``extend_vocabulary=True``)."""
        new = [n for n in dict.fromkeys(names) if self.lookup(n) is None]
        rows = pd.DataFrame(
            {
                "tag_id": new,
                "label_en": new,
                "label_zh": new,
                "description": "added from the input file (not in the vocabulary)",
            }
        )
        return Vocabulary(pd.concat([self.table.reset_index(drop=True), rows], ignore_index=True))

    def describe_known(self) -> str:
        return ", ".join(
            f"{tag} ({self.table.at[tag, 'label_zh']})" if self.table.at[tag, "label_zh"] else tag for tag in self.tags
        )

    def chen2023(self) -> pd.DataFrame:
        """Tags mapped to the five case types of Chen (2023), with the Table 1 keywords."""
        typed = self.table[self.table["chen2023_category"] != ""]
        return typed[["tag_id", "label_en", "label_zh", "chen2023_category", "chen2023_keyword"]].reset_index(drop=True)
