"""``geoservice data build``: raw published sources → small derived files in ``data/``.

Each step reads raw files (after checking their sha256), writes deterministic outputs
(same input → byte-identical files) and reports every repair it made. The build ends by
writing ``MANIFEST.json``: sha256 of every source read and every file written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from geoservice.runtime import MANIFEST_NAME
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


BuildStep = Callable[[BuildContext], StepResult]


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def default_steps() -> list[tuple[str, BuildStep]]:
    """The build steps, in order."""
    from geoservice.io.census_grid import build_population
    from geoservice.io.gtfs import build_transit  # gtfs imports this module
    from geoservice.io.offers import build_offers
    from geoservice.io.territory import build_territory
    from geoservice.io.travelmapping import build_roads

    return [
        ("territory", build_territory),
        ("offers", build_offers),
        ("roads", build_roads),
        ("transit", build_transit),
        ("population", build_population),
    ]


def build_data(
    settings: Settings,
    *,
    steps: Sequence[tuple[str, BuildStep]] | None = None,
    raw_dir: Path | None = None,
    out_dir: Path | None = None,
    echo: Callable[[str], None] = print,
) -> dict[str, object]:
    """Run the build steps and write ``MANIFEST.json``.

    Returns
    -------
    dict
        The manifest written: ``sources`` and ``outputs`` (path → sha256), ``repairs``.
    """
    ctx = BuildContext(
        settings=settings,
        raw_dir=raw_dir or settings.raw_dir,
        out_dir=out_dir or settings.data_dir,
        echo=echo,
    )
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    sources: dict[str, str] = {}
    outputs: dict[str, str] = {}
    repairs: dict[str, list[str]] = {}
    chosen = default_steps() if steps is None else list(steps)
    for i, (name, step) in enumerate(chosen, start=1):
        echo(f"[{i}/{len(chosen)}] {name}")
        result = step(ctx)
        sources.update(result.sources)
        for path in result.outputs:
            rel = path.relative_to(ctx.out_dir).as_posix()
            outputs[rel] = sha256_file(path)
            echo(f"    wrote {rel} ({path.stat().st_size:,} B)")
        if result.repairs:
            echo(f"    {len(result.repairs)} repair(s):")
            for line in result.repairs:
                echo(f"      - {line}")
        repairs[name] = result.repairs
    manifest: dict[str, object] = {
        "sources": dict(sorted(sources.items())),
        "outputs": dict(sorted(outputs.items())),
        "repairs": repairs,
    }
    (ctx.out_dir / MANIFEST_NAME).write_text(
        json.dumps(manifest, indent=1, ensure_ascii=False, sort_keys=False) + "\n",
        encoding="utf-8",
    )
    echo(f"wrote {MANIFEST_NAME}: {len(outputs)} output file(s) from {len(sources)} source(s)")
    return manifest
