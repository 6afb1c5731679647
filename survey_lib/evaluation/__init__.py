"""How evidence accumulates: a :mod:`.pairs` ``Pair`` (content and style resolved once) -> a method's result ->
:mod:`.metrics` -> :func:`.evaluate.evaluate` (grids of runs, an executor, the results :mod:`.store`) -> the
at-scale :mod:`.plans` and their committed tables under ``figures/at_scale/``.
"""
