"""``geoservice data build``: raw published sources → small derived files in ``data/``.

Each step (see :mod:`geoservice.io.build_steps`) reads raw files after checking their
sha256 and writes deterministic outputs (same input → byte-identical files). The build runs
the steps in order and ends by writing ``MANIFEST.json`` (:mod:`geoservice.io.manifest`):
sha256 of every source read and every file written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from geoservice.io.build_steps import BuildContext, BuildStep
from geoservice.io.census_grid import build_population
from geoservice.io.manifest import MANIFEST_NAME, sha256_file, write_manifest
from geoservice.io.offers import build_offers
from geoservice.io.territory import build_territory
from geoservice.io.transit_build import build_transit
from geoservice.io.travelmapping import build_roads
from geoservice.settings import Settings


def default_steps() -> list[tuple[str, BuildStep]]:
    """The build steps, in order."""
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
    write_manifest(ctx.out_dir, manifest)
    echo(f"wrote {MANIFEST_NAME}: {len(outputs)} output file(s) from {len(sources)} source(s)")
    return manifest
