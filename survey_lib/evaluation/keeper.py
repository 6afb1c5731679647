"""Computed runs are never lost: :class:`Keeper` writes them into a results store, or, where the store refuses them,
into a fallback store, saying where."""
from __future__ import annotations

from pathlib import Path

from .records import Record
from .store import Store, StoreError

__all__ = ["Keeper"]


class Keeper:
    """Writes computed runs into ``store``; where the store refuses them (read-only, disk full, deleted while in
    use) into a fallback store beside it or, failing that, in the temporary folder, saying once where: a computed
    run is never lost.

    >>> keeper = Keeper(store)          # doctest: +SKIP
    >>> keeper.check()                  # before computing: a write is tried now, not after an hour of runs
    >>> keeper.put(record)              # doctest: +SKIP
    """

    def __init__(self, store: Store):
        self.store = store
        self.fallback: Store | None = None
        name = store.path.stem + ".unstored.sqlite"
        import tempfile

        self._candidates = [store.path.with_name(name), Path(tempfile.gettempdir()) / "survey_lib" / name]

    def check(self) -> None:
        """Try a write into the store now; if it cannot take runs, open the fallback (raising :class:`StoreError`
        when no fallback can be written either)."""
        if self.fallback is None:
            try:
                self.store.check_writable()
            except StoreError as exc:
                self._divert(exc)

    def put(self, record: Record) -> bool:
        """:meth:`Store.put` into the store, or the fallback once the store has refused a run."""
        while True:
            target = self.store if self.fallback is None else self.fallback
            try:
                return target.put(record)
            except StoreError as exc:
                self._divert(exc)

    def _divert(self, cause: StoreError) -> None:
        import warnings

        from ..utils import SurveyWarning

        while self._candidates:
            path = self._candidates.pop(0)
            try:
                fallback = Store(path)
                fallback.check_writable()
            except StoreError:
                continue
            if self.fallback is not None:
                self.fallback.close()
            self.fallback = fallback
            warnings.warn(f"{cause}; computed runs are kept in '{path}' instead (read them with --store {path})",
                          SurveyWarning, stacklevel=3)
            return
        raise StoreError(f"{cause}; no fallback store could be written either") from None

    def close(self) -> None:
        if self.fallback is not None:
            self.fallback.close()
