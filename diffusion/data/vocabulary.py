"""The practice vocabulary: tags with English and Chinese labels and Chen (2023) case types.

Cells name practices by tag ("points_system"), Chinese label ("积分制") or English label
("Points-based system"); several practices in one cell are separated by ``;``, ``、``, ``，``
or ``,``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from diffusion.data.io import read_table
from diffusion.errors import ValidationError

__all__ = ["CHEN2023_CATEGORIES", "Vocabulary", "split_practices"]

#: The five case types of Chen (2023), Table 1.
CHEN2023_CATEGORIES = {
    "party_building_led": "Party-building-led",
    "systems_improvement": "Improvement of systems",
    "systems_creation": "Creation of systems",
    "new_approaches": "New approaches",
    "capacity_building": "Capacity building",
}

_SPLIT = re.compile(r"\s*[;；、，,]\s*")
VOCAB_COLUMNS = ["tag_id", "label_en", "label_zh", "aliases", "description", "chen2023_category", "chen2023_keyword"]


def split_practices(cell: str) -> list[str]:
    """Split a cell into practice names.

    Examples
    --------
    >>> split_practices("积分制、清单制; digital_governance")
    ['积分制', '清单制', 'digital_governance']
    """
    return [p for p in _SPLIT.split(str(cell).strip()) if p]


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
        t = self.table.copy()
        for col in VOCAB_COLUMNS:
            if col not in t.columns:
                t[col] = ""
        t = t[VOCAB_COLUMNS].fillna("").set_index("tag_id", drop=False)
        object.__setattr__(self, "table", t)
        index: dict[str, str] = {}
        for tag, row in t.iterrows():
            # Compound Chinese labels ("数字化/智慧治理") also match by each part.
            parts = [p for p in re.split(r"[/／]", row["label_zh"]) if len(p) >= 2]
            aliases = [a for a in row["aliases"].split(";") if a.strip()]
            for name in (tag, row["label_en"], row["label_zh"], *parts, *aliases):
                if name:
                    index.setdefault(_key(name), tag)
        object.__setattr__(self, "_index", index)

    @classmethod
    def from_file(cls, path: str | Path) -> Vocabulary:
        """Read a vocabulary CSV/XLSX with at least ``tag_id`` (and ideally both labels)."""
        table = read_table(path)
        if "tag_id" not in table.frame.columns:
            raise ValidationError(
                pd.DataFrame(
                    [
                        {
                            "file": table.path,
                            "row": 1,
                            "column": "tag_id",
                            "value": "",
                            "problem": "missing required column",
                            "expected": f"columns tag_id, label_en, label_zh; found {list(table.frame.columns)}",
                            "fix": "name the tag column tag_id",
                        }
                    ]
                ),
                source=table.path,
            )
        return cls(table.frame)

    @property
    def tags(self) -> list[str]:
        return list(self.table.index)

    def lookup(self, name: str) -> str | None:
        """The tag a name refers to (tag, Chinese or English label), or None."""
        return self._index.get(_key(name))

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
            f"{t} ({self.table.at[t, 'label_zh']})" if self.table.at[t, "label_zh"] else t for t in self.tags
        )

    def chen2023(self) -> pd.DataFrame:
        """Tags mapped to the five case types of Chen (2023), with the Table 1 keywords."""
        t = self.table[self.table["chen2023_category"] != ""]
        return t[["tag_id", "label_en", "label_zh", "chen2023_category", "chen2023_keyword"]].reset_index(drop=True)
