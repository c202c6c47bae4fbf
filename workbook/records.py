"""Typed records for what a person makes: picks, their own decisions, the place they are at.

The store keeps dictionaries (TinyDB documents); :class:`workbook.state.WorkbookState` converts them
here, at the storage boundary, with ``from_dict`` and ``to_dict``. Fields a newer version wrote and
this one does not know are carried along untouched in ``extra``. No Textual here.

Each record also reads as a read-only mapping of its stored form (``pick["day"]``,
``pick.get("checkin")``), so the rules written for stored documents (practice.summarise, the
export) take records and documents alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, tzinfo
from types import MappingProxyType
from typing import Any

from workbook import practice


class _Stored(Mapping[str, Any]):
    """The read-only mapping view of a record: its stored form, key by key."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:  # pragma: no cover - every record defines it
        raise NotImplementedError

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())


NO_EXTRA: Mapping[str, Any] = MappingProxyType({})


def _split(doc: dict[str, Any], names: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    known = {name: doc[name] for name in names if name in doc}
    extra = {key: value for key, value in doc.items() if key not in known}
    return known, extra


@dataclass(slots=True, eq=True)
class Pick(_Stored):
    """One decision practised in the game, with what the person said about it afterwards."""

    id: str
    day: str = ""  # the local calendar day, ISO
    decision: str = ""
    prompt: str = ""
    option: str = ""
    at: str = ""  # the instant, ISO with offset
    clarity: str | None = None
    checkin: str | None = None
    learned: str = ""
    # Fields a newer version wrote; one shared empty mapping for the usual pick (10,000 empty dicts
    # would be about 0.6 MB). Replaced, never changed in place.
    extra: Mapping[str, Any] = field(default_factory=lambda: NO_EXTRA)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Pick:
        """A stored pick as a record."""
        if _PICK_NAMES.issuperset(doc):  # the usual case, and the fast one (10,000 picks at start)
            return cls(**doc)
        known, extra = _split(doc, _PICK_FIELDS)
        return cls(**known, extra=extra)

    @classmethod
    def from_dicts(cls, docs: Iterable[dict[str, Any]]) -> list[Pick]:
        """Stored picks as records, in one pass (10,000 of them at start)."""
        names = _PICK_NAMES
        return [cls(**doc) if names.issuperset(doc) else cls.from_dict(doc) for doc in docs]

    def to_dict(self) -> dict[str, Any]:
        """The pick as the store keeps it."""
        return {**self.extra, **{name: getattr(self, name) for name in _PICK_FIELDS}}

    def __getitem__(self, key: str) -> Any:
        if key in _PICK_NAMES:
            return getattr(self, key)
        return self.extra[key]

    def get(self, key: str, default: Any = None) -> Any:
        """``pick.get("checkin")`` as on the stored form, without the generic Mapping's try/except
        (the rules walk 10,000 picks with it when the game opens)."""
        if key in _PICK_NAMES:
            return getattr(self, key)
        return self.extra.get(key, default)

    @classmethod
    def new(cls, decision: practice.Decision, option: int, now: datetime, zone: tzinfo | None = None) -> Pick:
        """A fresh pick of ``decision``'s option number ``option`` at ``now``, with a new id."""
        return cls.from_dict({**practice.new_pick(decision, option, now, zone), "id": uuid.uuid4().hex})


@dataclass(slots=True, eq=True)
class Decision(_Stored):
    """A decision from the person's own life, added to the game's deck."""

    id: str
    prompt: str
    options: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Decision:
        """A stored decision as a record."""
        known, extra = _split(doc, ("id", "prompt", "options"))
        return cls(known["id"], known["prompt"], tuple(known["options"]), extra)

    def to_dict(self) -> dict[str, Any]:
        """The decision as the store keeps it."""
        return {**self.extra, "id": self.id, "prompt": self.prompt, "options": list(self.options)}

    @classmethod
    def new(cls, prompt: str, options: list[str] | tuple[str, ...]) -> Decision:
        """A new decision of the person's own, with a new id."""
        return cls(f"c-{uuid.uuid4().hex[:12]}", prompt, tuple(options))

    def card(self) -> practice.Decision:
        """The decision as the game deals it."""
        return practice.custom_decision(self.to_dict())


@dataclass(frozen=True, slots=True, eq=True)
class Place(_Stored):
    """A screen and the field on it (None: the screen's first)."""

    screen: str = "home"
    field: str | None = None

    @classmethod
    def from_dict(cls, doc: dict[str, Any] | None) -> Place | None:
        """A stored place as a record (None stays None)."""
        return None if doc is None else cls(doc.get("screen") or "home", doc.get("field"))

    def to_dict(self) -> dict[str, Any]:
        """The place as the store keeps it."""
        return {"screen": self.screen, "field": self.field}


@dataclass(frozen=True, slots=True, eq=True)
class Position(_Stored):
    """Where the person is, and the last section (or My data) to continue from."""

    screen: str = "home"
    field: str | None = None
    last: Place | None = None

    @classmethod
    def from_dict(cls, doc: dict[str, Any] | None) -> Position | None:
        """The stored position as a record (None when there is none)."""
        if doc is None:
            return None
        return cls(doc.get("screen") or "home", doc.get("field"), Place.from_dict(doc.get("last")))

    def to_dict(self) -> dict[str, Any]:
        """The position as the store keeps it."""
        return {"screen": self.screen, "field": self.field, "last": self.last.to_dict() if self.last else None}

    def moved(self, screen: str, field: str | None) -> Position:
        """The position after going to ``field`` on ``screen``: only a section is a place to continue from."""
        return Position(screen, field, Place(screen, field) if screen.startswith("section-") else self.last)


_PICK_FIELDS = tuple(f.name for f in fields(Pick) if f.name != "extra")
_PICK_NAMES = frozenset(_PICK_FIELDS)
