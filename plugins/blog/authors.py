"""Author profiles from AUTHOR_PROFILES, as the theme's author boxes show them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Profile:
    name: str
    short_name: str
    role: str
    bio: str
    photo: str
    links: tuple[tuple[str, str], ...]

    @property
    def initials(self) -> str:
        return "".join(word[0] for word in self.name.split()[:2]).upper()


def profiles(settings: dict[str, Any]) -> dict[str, Profile]:
    return {
        name: Profile(
            name=name,
            short_name=data.get("short_name") or name.split()[0],
            role=data.get("role", ""),
            bio=data.get("bio", ""),
            photo=data.get("photo", ""),
            links=tuple((label, url) for label, url in data.get("links", [])),
        )
        for name, data in settings.get("AUTHOR_PROFILES", {}).items()
    }
