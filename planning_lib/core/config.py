"""The plan's YAML configuration files: where a region's file lies and how it is
merged key by key over the base file (the one ``deep_merge`` of the package).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planning_lib.core.fields import ParameterError

__all__ = ["deep_merge", "region_file"]


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into ``base`` key by key (dicts recursively, all else replaced)."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def region_file(config: str | Path, region: str) -> Path:
    """The override file of region ``region``: ``regions/<region>.yaml`` beside ``config``.

    A region is a name, never a path: separators, ``..`` and names whose file would
    (after resolving links) lie outside the config's ``regions/`` folder are refused,
    so ``--region ../../x`` cannot read another YAML file. A trailing ``.yaml`` is
    allowed (``AT.yaml`` names ``AT``).

    Raises:
        ParameterError: the name is no plain region name.
    """
    folder = Path(config).parent / "regions"
    name = region.strip()
    for suffix in (".yaml", ".yml"):
        name = name.removesuffix(suffix)
    bad = not name or name in (".", "..") or any(c in name for c in ("/", "\\", "\0"))
    if not bad:
        root = folder.resolve()
        candidate = (folder / f"{name}.yaml").resolve()
        bad = candidate.parent != root
    if bad:
        known = sorted(p.stem for p in folder.glob("*.yaml"))
        raise ParameterError(
            str(config),
            [
                f"region {region!r} is not a region name: a region names a file "
                f"{folder}/<name>.yaml; path separators and '..' are not allowed "
                f"(known regions: {', '.join(known) or 'none'})"
            ],
        )
    return folder / f"{name}.yaml"
