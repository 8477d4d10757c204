"""What every section of kgmem's settings shares (``kgmem.settings.config`` and the sections in
modules of their own): read from its own ``KGMEM_*`` prefix, frozen once built, and
blind to the variables of other sections."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict


def section_config(prefix: str) -> SettingsConfigDict:
    """The ``model_config`` of a settings class reading the variables ``prefix`` starts."""
    return SettingsConfigDict(env_prefix=prefix, frozen=True, extra="ignore")
