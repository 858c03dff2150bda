"""No module of ``geoservice/`` is longer than 450 lines: a file that grows past it is split
by concept (one concept per module, named after it; see ``docs/architecture.md``).

To be saved as ``tests/test_module_size.py`` (the package is found relative to this file).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "geoservice"
MAX_LINES = 450


def oversized_modules(package_dir: Path, max_lines: int = MAX_LINES) -> dict[str, int]:
    """Path (relative to the package's parent) → line count, for every ``.py`` file longer
    than `max_lines`."""
    sizes = {
        path.relative_to(package_dir.parent).as_posix(): len(
            path.read_text(encoding="utf-8").splitlines()
        )
        for path in sorted(package_dir.rglob("*.py"))
    }
    return {name: n for name, n in sizes.items() if n > max_lines}


def test_the_size_check_lists_a_long_module(tmp_path: Path) -> None:
    package = tmp_path / "geoservice"
    (package / "core").mkdir(parents=True)
    (package / "core" / "short.py").write_text("x = 1\n" * MAX_LINES, encoding="utf-8")
    (package / "core" / "long.py").write_text("x = 1\n" * (MAX_LINES + 1), encoding="utf-8")
    assert oversized_modules(package) == {"geoservice/core/long.py": MAX_LINES + 1}


def test_no_module_is_over_450_lines() -> None:
    assert len(list(PACKAGE_DIR.rglob("*.py"))) > 50
    offenders = oversized_modules(PACKAGE_DIR)
    listing = "\n".join(f"  {name}: {n} lines" for name, n in sorted(offenders.items()))
    assert offenders == {}, f"modules over {MAX_LINES} lines (split them by concept):\n{listing}"
