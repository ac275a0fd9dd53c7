"""Role-aware navigation and home-page cards, filled by each app in its ``AppConfig.ready``.

An entry is shown when its ``visible(actor)`` says so; a card's ``build(request, actor)`` returns
the card's context, or None to leave it out. Later apps add their own without touching the shell.

Entries are grouped into menus (an app's ``NavGroup``): the navigation bar shows one item per
group, a drop-down when the actor sees more than one of its entries and a plain link otherwise, so
that a provincial official's twenty-odd entries fit one line at 1366 pixels.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str
    url_name: str
    visible: Callable
    order: int = 100
    icon: str = ""
    group: str = ""


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str
    icon: str = ""


@dataclass(frozen=True)
class NavMenu:
    """One item of the navigation bar: a group and the entries of it the actor sees, in order."""

    group: NavGroup | None
    entries: tuple[NavEntry, ...]

    @property
    def is_dropdown(self) -> bool:
        return len(self.entries) > 1

    @property
    def label(self) -> str:
        """The group's name over a drop-down; a lone entry keeps its own, more precise one."""
        return self.group.label if self.is_dropdown and self.group is not None else self.entries[0].label

    @property
    def icon(self) -> str:
        return self.group.icon if self.is_dropdown and self.group is not None else self.entries[0].icon


@dataclass(frozen=True)
class HomeCard:
    key: str
    build: Callable
    order: int = 100


_NAV: dict[str, NavEntry] = {}
_GROUPS: dict[str, NavGroup] = {}
_CARDS: dict[str, HomeCard] = {}


def register_nav(entry: NavEntry) -> None:
    _NAV[entry.key] = entry


def register_nav_group(group: NavGroup) -> None:
    _GROUPS[group.key] = group


def register_card(card: HomeCard) -> None:
    _CARDS[card.key] = card


def nav_for(actor) -> list[NavEntry]:
    return [entry for entry in sorted(_NAV.values(), key=lambda e: e.order) if entry.visible(actor)]


def nav_menus_for(actor) -> list[NavMenu]:
    """The actor's entries by group, each group where its first visible entry falls in the order."""
    menus: dict[str, list[NavEntry]] = {}
    for entry in nav_for(actor):
        menus.setdefault(entry.group or entry.key, []).append(entry)
    return [NavMenu(group=_GROUPS.get(key), entries=tuple(entries)) for key, entries in menus.items()]


def cards_for(request, actor) -> list[dict]:
    cards = []
    for card in sorted(_CARDS.values(), key=lambda c: c.order):
        context = card.build(request, actor)
        if context is not None:
            cards.append({"key": card.key, **context})
    return cards
