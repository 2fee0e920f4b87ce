"""``planning validate PATH``: check exports against the canonical tables.

PATH is a file (its table from ``--table``, the mapping, or its name: ``deals.csv``,
``deals_2025.xlsx``) or a folder
(every ``<table>.csv|.xlsx|.parquet`` in it, and in its ``actuals/`` subfolder if
present). Problems are printed grouped by file and rule, or as JSON with ``--json``;
the exit code is 1 when anything is invalid, 0 when all is clean. A ``.yaml`` PATH is
checked as plan parameters (with ``--base``, as a region file over a base file),
including that every scenario and Monte Carlo path names a parameter; a region file
checked without ``--base`` gets a hint naming the base file to use.

With ``--write-canonical DIR`` a clean file or folder is also written as canonical
tables (``DIR/<table>.csv``, ``DIR/actuals/<table>.csv``), the CSV format of
``data/sample/``, so ``planning plan/analyse/forecast/controlling/batch --data DIR``
can read it; nothing is written when anything is invalid. DIR must be new or empty
and is written atomically.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import yaml

from planning_lib.cli.common import add_mapping_argument, output_taken
from planning_lib.core.config import load_params
from planning_lib.core.fields import ParameterError
from planning_lib.core.outputs import OutputExistsError, new_folder
from planning_lib.core.threads import THREADED_ROWS, map_columns
from planning_lib.data.arrow_csv import canonical_cells, join_csv
from planning_lib.data.failures import LANGUAGES, failure, failure_frame
from planning_lib.data.loaders import (
    check_dataset,
    check_table,
    cross_table_warnings,
    dataset_files,
    mappings_by_table,
)
from planning_lib.data.mappings import MappingError
from planning_lib.data.tables import TABLES
from planning_lib.present.formatting import format_count
from planning_lib.sample.render import _ONE_DECIMAL as ONE_DECIMAL_COLUMNS

__all__ = [
    "HELP",
    "NAME",
    "TEXT",
    "add_arguments",
    "canonical_csv",
    "run",
    "summary_line",
    "table_from_name",
    "write_canonical",
]

NAME = "validate"
HELP = "Check CRM/ERP exports (CSV, XLSX, Parquet) against the canonical tables."

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "ok": "{file}: {rows} rows{span} - OK",
        "span": ", {column} {start} to {end}",
        "problems": "{file}: {n} problem(s)",
        "rule": "  {rule} ({n}):",
        "more": "    ... and {n} more",
        "total_bad": "INVALID: {n} problem(s) in {files} file(s).",
        "no_table": ("{file}: cannot tell the table from the file name; use --table ({tables})"),
        "error": "error: {message}",
        "params_ok": "{file}: plan parameters OK ({name}, plan from {start}, {months} months)",
        "region_hint": "hint: {file} looks like a region file: use --base {base}",
        "nothing_written": "nothing written: fix the problems above first",
        "written": "canonical tables written to {out}: {files}",
        "next": (
            "next: planning init --data {out} --out <plan.yaml> (a plan calibrated from this "
            "history; skip it if you have a plan), then planning batch --config <plan.yaml> "
            "--data {out} --out <reports folder>"
        ),
        "not_data": "--write-canonical needs a data file or folder, not plan parameters",
        "out_inside": "--write-canonical {out} is inside the input folder {path}; choose another",
    },
    "de": {
        "ok": "{file}: {rows} Zeilen{span} - OK",
        "span": ", {column} {start} bis {end}",
        "problems": "{file}: {n} Problem(e)",
        "rule": "  {rule} ({n}):",
        "more": "    ... und {n} weitere",
        "total_bad": "UNGÜLTIG: {n} Problem(e) in {files} Datei(en).",
        "no_table": (
            "{file}: die Tabelle ist am Dateinamen nicht erkennbar; bitte --table angeben "
            "({tables})"
        ),
        "error": "Fehler: {message}",
        "params_ok": "{file}: Planparameter OK ({name}, Plan ab {start}, {months} Monate)",
        "region_hint": "Hinweis: {file} sieht nach einer Regionsdatei aus: --base {base} angeben",
        "nothing_written": "nichts geschrieben: zuerst die Probleme oben beheben",
        "written": "kanonische Tabellen geschrieben nach {out}: {files}",
        "next": (
            "weiter: planning init --data {out} --out <plan.yaml> (ein Plan aus dieser "
            "Historie; entfällt, wenn Sie schon einen Plan haben), dann planning batch "
            "--config <plan.yaml> --data {out} --out <Berichtsordner>"
        ),
        "not_data": (
            "--write-canonical braucht eine Datendatei oder einen Ordner, keine Planparameter"
        ),
        "out_inside": (
            "--write-canonical {out} liegt im Eingabeordner {path}; bitte einen anderen wählen"
        ),
    },
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``planning validate``."""
    parser.add_argument(
        "path", type=Path, help="file or folder to check (a .yaml file: plan parameters)"
    )
    parser.add_argument(
        "--base",
        type=Path,
        metavar="BASE.yaml",
        help="check the .yaml PATH as a region file over this base parameter file",
    )
    parser.add_argument(
        "--table", choices=list(TABLES), help="canonical table of a file (in a folder: only it)"
    )
    add_mapping_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the failures as JSON")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="message language")
    parser.add_argument(
        "--limit", type=int, default=20, help="problems shown per rule and file (default 20)"
    )
    parser.add_argument(
        "--write-canonical",
        type=Path,
        metavar="DIR",
        help=(
            "when all is clean, write the canonical tables into this new folder "
            "(DIR/<table>.csv, DIR/actuals/<table>.csv) for --data of the other commands"
        ),
    )


def summary_line(file: str, frame: pd.DataFrame, table: str, lang: str = "en") -> str:
    """One line for a clean table: rows and the date range of its first date column."""
    text = TEXT[lang]
    span = ""
    dates = [c.name for c in TABLES[table].columns if c.dtype == "date" and c.name in frame]
    if dates and frame[dates[0]].notna().any():
        col = frame[dates[0]]
        span = text["span"].format(
            column=dates[0],
            start=col.min().date().isoformat(),
            end=col.max().date().isoformat(),
        )
    return text["ok"].format(file=file, rows=format_count(len(frame), lang), span=span)


def table_from_name(path: Path) -> str:
    """The table a file name suggests: ``deals.csv``, ``deals_2025.xlsx`` -> ``deals``."""
    stem = path.stem.lower()
    return stem if stem in TABLES else re.split(r"[_\-\s.]", stem, maxsplit=1)[0]


def _prefixed(failures: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """Failures with ``prefix`` before the file name (in ``file`` and ``message``)."""
    if not prefix or failures.empty:
        return failures
    out = failures.copy()
    out["message"] = prefix + out["message"]
    out["file"] = prefix + out["file"]
    return out


def _checks(
    args: argparse.Namespace, prepare: Prepared | None = None
) -> list[tuple[str, str, pd.DataFrame | None, pd.DataFrame]]:
    """``[(label, table, frame or None, failures)]`` for the path given."""
    path: Path = args.path
    mappings = mappings_by_table(args.mapping)
    if path.is_dir():
        out = []
        for folder in (path, path / "actuals"):
            if folder != path and not folder.is_dir():
                continue
            prefix = "" if folder == path else "actuals/"
            names = {t: paths[0].name for t, paths in dataset_files(folder).items()}
            only = [args.table] if args.table else None
            if only and folder != path and args.table not in names:
                continue  # actuals/ without that table
            frames, failures = check_dataset(
                folder, list(mappings.values()), tables=only, lang=args.lang, prepare=prepare
            )
            out.append(("", "", None, _prefixed(failures, prefix)))
            for table, frame in frames.items():
                out.append((prefix + names[table], table, frame, failure_frame([])))
        return out
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    only_mapping = next(iter(mappings.values())) if len(mappings) == 1 else None
    table = args.table or (only_mapping.table if only_mapping else table_from_name(path))
    if table not in TABLES:
        raise LookupError(
            TEXT[args.lang]["no_table"].format(file=path.name, tables=", ".join(TABLES))
        )
    frame, failures = check_table(path, table, mappings.get(table), lang=args.lang, prepare=prepare)
    return [(path.name, table, frame, failures)]


def _notes(results: list, lang: str) -> list[str]:
    """What the loader filled (one line per column), then the cross-table warnings."""
    lines = []
    groups: dict[str, dict[str, pd.DataFrame]] = {}
    for label, table, frame, _ in results:
        if frame is None:
            continue
        lines += [f"  {label}: {note}" for note in frame.attrs.get("notes", [])]
        prefix = "actuals/" if label.startswith("actuals/") else ""
        groups.setdefault(prefix, {})[table] = frame
    for prefix, frames in groups.items():
        lines += [f"{prefix}{w}" if prefix else w for w in cross_table_warnings(frames, lang)]
    return lines


def _csv_cells(values: pd.Series, dtype: str, column: str) -> list[str]:
    """A column's cells as ``data/sample/`` writes them (vectorised; see ``format_cell``).

    Dates ISO, floats with two decimals (one for hours) or, where that would change the
    value, exact (shortest repr); whole numbers without decimals; missing cells empty.
    """
    missing = values.isna().to_numpy()
    if dtype == "date":
        days = values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        cells = np.datetime_as_string(days).astype(object)
    elif dtype == "float":
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        spec = ".1f" if column in ONE_DECIMAL_COLUMNS else ".2f"
        cells = np.array([format(x, spec) for x in numbers.tolist()], dtype=object)
        with np.errstate(invalid="ignore"):
            lost = ~missing & (cells.astype("float64") != numbers)
        for pos in np.flatnonzero(lost):
            cells[pos] = repr(float(numbers[pos]))
    elif dtype == "int":
        cells = values.astype("Int64").astype("str").to_numpy(dtype=object)
    else:
        cells = values.astype(object).to_numpy()
    if missing.any():
        cells = cells.copy()
        cells[missing] = ""
    return cells.tolist()


def canonical_csv(table: str, frame: pd.DataFrame, threaded: bool = True) -> bytes:
    """A canonical frame as CSV bytes in the format of ``data/sample/``.

    Columns in contract order, ``,`` delimiter, ISO dates, ``.`` decimals (money with
    two decimals like the sample, more only where two would change the value), empty
    cells for missing values, UTF-8, LF. ``load_table`` reads it back to the same frame.
    ``threaded=False``: one column after the other (see :func:`map_columns`).
    """
    cols = [c for c in TABLES[table].columns if c.name in frame.columns]
    fast = map_columns(
        lambda c: canonical_cells(
            frame[c.name], c.dtype, 1 if c.name in ONE_DECIMAL_COLUMNS else 2
        ),
        cols,
        len(frame) if threaded else 0,
    )
    if all(a is not None for a in fast):
        joined = join_csv([c.name for c in cols], fast)
        if joined is not None:  # no cell needs quoting: the same bytes as csv.writer's
            return joined.to_pybytes()
    cells = [_csv_cells(frame[c.name], c.dtype, c.name) for c in cols]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c.name for c in cols])
    writer.writerows(zip(*cells, strict=True))
    return buf.getvalue().encode("utf-8")


def write_canonical(
    frames: dict[str, pd.DataFrame], out: Path, prepared: Prepared | None = None
) -> list[str]:
    """Write ``{"deals" or "actuals/deals": frame}`` as canonical CSVs into new folder ``out``.

    ``prepared``: the CSVs begun while the frames were checked (see :class:`Prepared`).

    Returns:
        The relative paths written, sorted.

    Raises:
        OutputExistsError: ``out`` exists and is not empty.
    """
    names = sorted(frames)
    with new_folder(out) as tmp:  # the folder gets the umask's mode (new_folder)
        for rel in names:
            table = rel.rsplit("/", 1)[-1]
            target = tmp / f"{rel}.csv"
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as stream:
                if prepared is None or not prepared.write(frames[rel], stream):
                    stream.write(canonical_csv(table, frames[rel]))
    return [f"{rel}.csv" for rel in names]


_SPLIT_ROWS = THREADED_ROWS  # from here on the rows are joined in two halves


class _CanonicalJob:
    """The canonical CSV of one frame (what :func:`canonical_csv` gives), made by
    whichever of two threads is free: the cells of each column, then the rows in two
    halves (:func:`join_csv` of consecutive row ranges, joined end to end), each half
    written as soon as it and the one before are done.

    The background thread starts it while the contract checks run in the main thread;
    when those are done, the main thread gives the file (:meth:`write`) and takes the
    tasks left, so the first half is written while the second is joined.
    """

    def __init__(self, table: str, frame: pd.DataFrame) -> None:
        self.table, self.frame = table, frame
        self.cols = [c for c in TABLES[table].columns if c.name in frame.columns]
        self.cells: list[object] = [None] * len(self.cols)
        rows = len(frame)
        half = rows // 2 if rows >= _SPLIT_ROWS else rows
        self.ranges = [slice(0, half), slice(half, rows)] if half < rows else [slice(0, rows)]
        self.parts: list[pa.Buffer | bytes | None] = [None] * len(self.ranges)
        self._tasks = [("cells", i) for i in range(len(self.cols))]
        self._tasks += [("rows", i) for i in range(len(self.ranges))]
        self._next = 0
        self._cells_left = len(self.cols)
        self._left = len(self._tasks)
        self._plain = False  # a part could not be joined: the plain writer makes the file
        self._sink: BinaryIO | None = None
        self._written = 0  # parts written to the sink
        self._writing = False
        self._error: BaseException | None = None
        self._cond = threading.Condition()

    def work(self) -> None:
        """Run tasks until none is left to start (an error stops both threads)."""
        while True:
            with self._cond:
                if self._error is not None or self._next == len(self._tasks):
                    return
                kind, i = self._tasks[self._next]
                self._next += 1
                if kind == "rows":  # the rows need every column's cells
                    self._cond.wait_for(lambda: self._cells_left == 0 or self._error is not None)
                    if self._error is not None:
                        return
            try:
                if kind == "cells":
                    col = self.cols[i]
                    decimals = 1 if col.name in ONE_DECIMAL_COLUMNS else 2
                    self.cells[i] = canonical_cells(self.frame[col.name], col.dtype, decimals)
                elif all(c is not None for c in self.cells):
                    names = [c.name for c in self.cols]
                    cells = cast(list, self.cells)
                    self.parts[i] = join_csv(names, cells, self.ranges[i], header=i == 0)
                with self._cond:
                    self._left -= 1
                    self._cells_left -= kind == "cells"
                    self._plain |= kind == "rows" and self.parts[i] is None
                    self._cond.notify_all()
                if kind == "rows":
                    self._flush()
            except BaseException as exc:  # handed to the thread that waits for the result
                self._fail(exc)
                raise

    def _fail(self, exc: BaseException) -> None:
        with self._cond:
            self._error = self._error or exc
            self._cond.notify_all()

    def _flush(self) -> None:
        """Write the parts that are done, in order, one thread at a time (each written
        part is dropped from memory)."""
        while True:
            with self._cond:
                at = self._written
                if (
                    self._sink is None
                    or self._writing
                    or self._plain
                    or self._error is not None
                    or at == len(self.parts)
                    or self.parts[at] is None
                ):
                    return
                self._writing = True
                part, self.parts[at] = self.parts[at], b""
            try:
                self._sink.write(cast(pa.Buffer, part))
            finally:
                with self._cond:
                    self._writing = False
                    self._written += 1
                    self._cond.notify_all()

    def stop(self) -> None:
        """Start no further task (the run ends without the CSV)."""
        self._fail(RuntimeError("stopped"))

    def write(self, stream: BinaryIO) -> None:
        """Write the CSV to ``stream`` (a new file), helping with the tasks left."""
        with self._cond:
            self._sink = stream
        try:
            self._flush()
            self.work()
            self._flush()
        except BaseException as exc:
            self._fail(exc)
            raise
        with self._cond:
            self._cond.wait_for(
                lambda: (
                    self._error is not None
                    or (self._left == 0 and (self._plain or self._written == len(self.parts)))
                )
            )
            if self._error is not None:
                raise self._error
            self._cond.wait_for(lambda: not self._writing)
        if self._plain:  # a cell needs quoting, or a column is not all text
            stream.seek(0)
            stream.truncate()
            stream.write(canonical_csv(self.table, self.frame, threaded=False))


class Prepared:
    """The canonical CSV of each checked frame, begun in a background thread while the
    frame's contract checks run (``check_table(prepare=...)``), so ``--write-canonical``
    does not format and join the cells after the checks.

    Used as a context manager; :meth:`write` writes the CSV of a frame it began (the
    same frame object) to a file.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._jobs: list[tuple[pd.DataFrame, _CanonicalJob, Future]] = []

    def __call__(self, table: str, frame: pd.DataFrame) -> None:
        # the background thread starts; the checks use the other core meanwhile
        job = _CanonicalJob(table, frame)
        self._jobs.append((frame, job, self._pool.submit(job.work)))

    def write(self, frame: pd.DataFrame, stream: BinaryIO) -> bool:
        """Write the CSV of ``frame`` to ``stream``; False (nothing written) for a frame
        not prepared here. The calling thread helps with what is left."""
        for made, job, future in self._jobs:
            if made is frame:
                job.write(stream)
                # the file is whole; a job the background thread has not begun (it is on
                # an earlier frame's) has nothing left: cancelled, not waited for
                if not future.cancel():
                    future.result()  # the background thread's own error, if any
                return True
        return False

    def __enter__(self) -> Prepared:
        return self

    def __exit__(self, *exc: object) -> None:
        for _, job, _ in self._jobs:
            job.stop()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._jobs.clear()


def _params_checks(args: argparse.Namespace) -> tuple[str | None, pd.DataFrame]:
    """``(summary line or None, failures)`` for a plan-parameter YAML file."""
    path: Path = args.path
    try:
        params = load_params(args.base, region=path) if args.base else load_params(path)
    except ParameterError as err:
        rows = [
            failure("parameter", file=path.name, table="parameters", detail=p, lang=args.lang)
            for p in err.problems
        ]
        return None, failure_frame(rows)
    company = params.company
    line = TEXT[args.lang]["params_ok"].format(
        file=path.name,
        name=company.name,
        start=company.plan_start.isoformat()[:7],
        months=company.horizon_months,
    )
    return line, failure_frame([])


def _region_base(path: Path) -> Path | None:
    """The base file a region file (top-level ``region:`` key) belongs to, or None.

    Looks for a parameter file with a ``company:`` section in the folder above the
    region file's (``regions/AT.yaml`` -> ``../cloudflow.yaml``).
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(data, dict) or "region" not in data or "company" in data:
        return None
    for candidate in sorted(path.parent.parent.glob("*.y*ml")):
        try:
            base = yaml.safe_load(candidate.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(base, dict) and "company" in base:
            return candidate
    return None


def _write_refused(args: argparse.Namespace) -> bool:
    """True (after telling the user) when ``--write-canonical`` cannot be used as given."""
    out: Path | None = args.write_canonical
    if out is None:
        return False
    text = TEXT[args.lang]
    path: Path = args.path
    message = None
    if path.suffix.lower() in (".yaml", ".yml"):
        message = text["not_data"]
    elif path.is_dir() and out.resolve().is_relative_to(path.resolve()):
        message = text["out_inside"].format(out=out, path=path)
    if message:
        print(text["error"].format(message=message), file=sys.stderr)
        return True
    return output_taken(out)


def _write(
    args: argparse.Namespace,
    results: list,
    failures: pd.DataFrame,
    prepared: Prepared | None = None,
) -> int | None:
    """Write the canonical tables for ``--write-canonical``; None, or an exit code on error.

    In ``--json`` mode the lines go to stderr, so stdout stays JSON.
    """
    out: Path | None = args.write_canonical
    if out is None:
        return None
    text = TEXT[args.lang]
    stream = sys.stderr if args.json else sys.stdout
    if len(failures):
        print(text["nothing_written"], file=stream)
        return None
    frames = {}
    for label, table, frame, _ in results:
        if frame is not None:
            prefix = "actuals/" if label.startswith("actuals/") else ""
            frames[prefix + table] = frame
    try:
        files = write_canonical(frames, out, prepared)
    except OutputExistsError as exc:
        print(text["error"].format(message=exc), file=sys.stderr)
        return 2
    except OSError as exc:
        print(text["error"].format(message=exc), file=sys.stderr)
        return 1
    print(text["written"].format(out=out, files=", ".join(files)), file=stream)
    print(text["next"].format(out=out), file=stream)
    return None


def run(args: argparse.Namespace) -> int:
    """Check the path; print problems or one summary line per clean table.

    With ``--write-canonical DIR``: exit code 2 when DIR is not new or empty (nothing
    is checked then); the tables are written only when everything is clean.
    """
    if args.write_canonical is None:
        return _run(args, None)
    with Prepared() as prepared:  # the cells are formatted while the checks run
        return _run(args, prepared)


def _run(args: argparse.Namespace, prepared: Prepared | None) -> int:
    text = TEXT[args.lang]
    if _write_refused(args):
        return 2
    try:
        hint = None
        if args.path.suffix.lower() in (".yaml", ".yml"):
            summary, failures = _params_checks(args)
            results = [(args.path.name, "", None, failures)]
            base = None if args.base or failures.empty else _region_base(args.path)
            if base is not None:
                hint = text["region_hint"].format(file=args.path.name, base=base)
        else:
            summary = None
            results = _checks(args, prepared)
    except (FileNotFoundError, LookupError, MappingError, ValueError) as err:
        print(text["error"].format(message=str(err).strip("'\"")), file=sys.stderr)
        return 1
    failures = failure_frame([r for _, _, _, f in results for r in f.to_dict("records")])
    if args.json:
        records = failures.astype(object).where(failures.notna(), None).to_dict("records")
        print(json.dumps(records, ensure_ascii=False, indent=2))
        for line in _notes(results, args.lang):  # on stderr, so stdout stays JSON
            print(line, file=sys.stderr)
        if hint:  # on stderr, so stdout stays JSON
            print(hint, file=sys.stderr)
        written = _write(args, results, failures, prepared)
        return written if written is not None else 1 if len(failures) else 0
    if summary and failures.empty:
        print(summary)
    for label, table, frame, _ in results:
        if frame is not None:
            print(summary_line(label, frame, table, args.lang))
    for line in _notes(results, args.lang):
        print(line)
    for file, by_file in failures.groupby("file", sort=True):
        print(text["problems"].format(file=file, n=len(by_file)))
        for rule, by_rule in by_file.groupby("rule", sort=False):
            print(text["rule"].format(rule=rule, n=len(by_rule)))
            for message in by_rule["message"].head(args.limit):
                print(f"    - {message.removeprefix(str(file) + ', ')}")
            if len(by_rule) > args.limit:
                print(text["more"].format(n=len(by_rule) - args.limit))
    if len(failures):
        print(text["total_bad"].format(n=len(failures), files=failures["file"].nunique()))
        if hint:  # on stderr, like the --json case
            print(hint, file=sys.stderr)
    written = _write(args, results, failures, prepared)
    if written is not None:
        return written
    return 1 if len(failures) else 0
