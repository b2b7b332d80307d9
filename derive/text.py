"""Bilingual text: every sentence the tool shows exists in English and Vietnamese."""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "vi")


@dataclass(frozen=True)
class Text:
    """A sentence in English (``en``) and Vietnamese (``vi``)."""

    en: str
    vi: str

    def __call__(self, lang: str) -> str:
        """The sentence in ``lang`` (``"en"`` or ``"vi"``)."""
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; choose from {', '.join(LANGUAGES)}")
        return getattr(self, lang)
