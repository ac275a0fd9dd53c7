"""Role-aware navigation and home-page cards, filled by each app in its ``AppConfig.ready``.

An entry is shown when its ``visible(actor)`` says so; a card's ``build(request, actor)`` returns
the card's context, or None to leave it out. Later apps add their own without touching the shell.
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


@dataclass(frozen=True)
class HomeCard:
    key: str
    build: Callable
    order: int = 100


_NAV: dict[str, NavEntry] = {}
_CARDS: dict[str, HomeCard] = {}


def register_nav(entry: NavEntry) -> None:
    _NAV[entry.key] = entry


def register_card(card: HomeCard) -> None:
    _CARDS[card.key] = card


def nav_for(actor) -> list[NavEntry]:
    return [entry for entry in sorted(_NAV.values(), key=lambda e: e.order) if entry.visible(actor)]


def cards_for(request, actor) -> list[dict]:
    cards = []
    for card in sorted(_CARDS.values(), key=lambda c: c.order):
        context = card.build(request, actor)
        if context is not None:
            cards.append({"key": card.key, **context})
    return cards
