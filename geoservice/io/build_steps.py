"""What a step of ``geoservice data build`` receives and returns.

A step is a callable ``BuildContext -> StepResult``: it reads raw files (after checking
their sha256), writes deterministic outputs into ``out_dir`` and reports every repair it made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from geoservice.settings import Settings


@dataclass
class BuildContext:
    """What a build step receives.

    Attributes
    ----------
    settings
        The configuration (themes, network parameters...).
    raw_dir
        Folder of the raw sources.
    out_dir
        Folder the derived files are written to.
    echo
        Where progress lines go (the console by default).
    """

    settings: Settings
    raw_dir: Path
    out_dir: Path
    echo: Callable[[str], None] = print


@dataclass
class StepResult:
    """What a build step did.

    Attributes
    ----------
    outputs
        Files written, inside ``out_dir``.
    sources
        Raw files read, relative to ``raw_dir`` → their verified sha256.
    repairs
        One human-readable line per record repaired by rule.
    """

    outputs: list[Path] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    repairs: list[str] = field(default_factory=list)


#: A build step: reads raw files, writes derived ones, says what it did.
BuildStep = Callable[[BuildContext], StepResult]
