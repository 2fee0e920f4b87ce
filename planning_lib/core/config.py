"""The plan's YAML configuration files: loading and writing them, where a region's file
lies and how it is merged key by key over the base file (the one ``deep_merge`` of the
package). The schema they are checked against is :mod:`planning_lib.core.params`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from planning_lib.core.fields import ParameterError
from planning_lib.core.overrides import check_driver_paths, check_override_paths
from planning_lib.core.params import PlanParameters, params_from_dict
from planning_lib.core.region_sums import region_set, region_sum_problems

__all__ = ["check_region_sums", "deep_merge", "dump_params", "load_params", "region_file"]


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


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParameterError(str(path), [f"not valid YAML: {exc}"]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParameterError(str(path), ["the file must hold a mapping of parameters"])
    return data


def check_region_sums(path: str | Path, data: dict[str, Any] | None = None) -> None:
    """Refuse a region set beside ``path`` whose additive figures do not add up to it.

    The rule (which regions form the set, which figures add up, the allowed rounding
    difference) is :mod:`planning_lib.core.region_sums`'s. A region of the set whose
    name is no plain region name is left to :func:`region_file` when it is loaded.

    Raises:
        ParameterError: a figure's region sum breaks the rule (named with base and sum).
    """
    path = Path(path)
    base = _read_yaml(path) if data is None else data
    folder = path.parent / "regions"
    if not folder.is_dir():
        return
    regions: dict[str, dict[str, Any] | None] = {}
    for name in region_set(base, folder):
        try:
            rpath = region_file(path, name)
        except ParameterError:
            continue
        regions[name] = _read_yaml(rpath) if rpath.exists() else None
    problems = region_sum_problems(base, regions, deep_merge)
    if problems:
        raise ParameterError(f"{path} + {folder}/", problems)


def load_params(path: str | Path, region: str | Path | None = None) -> PlanParameters:
    """Load plan parameters from YAML, optionally merged with a region override file.

    Args:
        path: base YAML file.
        region: a region name (text: ``regions/<name>.yaml`` beside the base file,
            see :func:`region_file`) or the path of a region YAML file (a ``Path``).

    Raises:
        ParameterError: a value breaks a rule or a key is unknown, or a scenario or
            Monte Carlo driver names no parameter (the message names scenario, path
            and the closest valid path); also a region name that is a path
            (separators, ``..``) or leads outside ``regions/``, and a region set
            beside the base that does not add up to it (:func:`check_region_sums`).
        FileNotFoundError: a file is missing.
    """
    path = Path(path)
    data = _read_yaml(path)
    check_region_sums(path, data)
    source = str(path)
    if region is not None:
        rpath = region if isinstance(region, Path) else region_file(path, region)
        if not rpath.exists():
            known = sorted(p.stem for p in (path.parent / "regions").glob("*.yaml"))
            raise FileNotFoundError(
                f"No region file {rpath} (known regions: {', '.join(known) or 'none'})"
            )
        data = deep_merge(data, _read_yaml(rpath))
        source = f"{path} + {rpath}"
    params = params_from_dict(data, source)
    problems = check_override_paths(params) + check_driver_paths(params)
    if problems:
        raise ParameterError(source, problems)
    return params


def dump_params(params: PlanParameters, path: str | Path | None = None) -> str:
    """Serialise parameters to YAML (and write them to ``path`` when given)."""
    text = yaml.safe_dump(
        params.model_dump(mode="json", exclude_none=True),
        allow_unicode=True,
        sort_keys=False,
    )
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
