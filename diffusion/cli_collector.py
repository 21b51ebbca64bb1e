"""The garbage collector during a ``diffusion`` command's start-up.

A command imports pandas, matplotlib and scipy and reads its data before it analyses anything: about
a million objects, all kept to the end, which every full collection would scan again. ``diffusion``
(:func:`diffusion.cli.run`) pauses the collector for that start-up; once the data are read, those
objects are frozen out of collection and the collector resumes for what the analysis makes. On the
bundled report this saves about 0.7 s of CPU. :func:`diffusion.cli.main`, as called from Python,
leaves the collector alone.
"""

from __future__ import annotations

import gc

_paused = False


def pause_collector() -> None:
    """Turn the garbage collector off until :func:`resume_collector`.

    Examples
    --------
    >>> pause_collector()  # doctest: +SKIP
    >>> gc.isenabled()  # doctest: +SKIP
    False
    """
    global _paused
    gc.disable()
    _paused = True


def resume_collector() -> None:
    """After :func:`pause_collector`: freeze what exists out of later collections and collect again.

    Without a pause it does nothing, so a notebook's or a test's collector is never touched.

    Examples
    --------
    >>> frozen = gc.get_freeze_count()
    >>> resume_collector()  # no pause before it: nothing happens
    >>> gc.isenabled(), gc.get_freeze_count() == frozen
    (True, True)
    """
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
