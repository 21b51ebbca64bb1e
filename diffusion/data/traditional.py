"""Traditional Chinese characters folded to simplified before matching (OpenCC's ``t2s`` conversion).

Files from Hong Kong, Taiwan or older office software write 廣東省, 新化縣, 編號 and 積分制. Names
are matched after folding, so that they resolve like 广东省, 新化县, 编号 and 积分制; the cells of
the file are not changed, and readers report which columns were folded.

Why OpenCC (the ``opencc`` package): it is the conversion project's own Python binding, kept up
to date with its phrase and character tables, with wheels for every platform; it converts a
place name in microseconds. A character-by-character table would get phrases wrong.
"""

from __future__ import annotations

import functools

__all__ = ["fold_traditional", "has_traditional"]


@functools.cache
def _converter():
    import opencc  # loaded on the first non-ASCII cell only

    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=65_536)
def fold_traditional(text: str) -> str:
    """``text`` with traditional characters written as simplified ones (ASCII text as it is).

    Examples
    --------
    >>> fold_traditional("廣東省新化縣"), fold_traditional("積分制"), fold_traditional("Hunan")
    ('广东省新化县', '积分制', 'Hunan')
    """
    return text if text.isascii() else _converter().convert(text)


def has_traditional(text: str) -> bool:
    """Whether folding changes ``text``.

    Examples
    --------
    >>> has_traditional("編號"), has_traditional("编号")
    (True, False)
    """
    return fold_traditional(text) != text
