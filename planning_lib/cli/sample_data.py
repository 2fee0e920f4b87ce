"""``planning sample-data``: generate, or check, the sample company's CRM extract.

``planning sample-data --out data/sample --seed 42`` writes the CSV files atomically
(into a temporary folder beside ``--out``, then renamed) and refuses to replace a
non-empty folder unless ``--force``; even then only a folder that holds nothing but
the sample's own files (tables, ``actuals/``, README) is replaced, anything else is
named and kept. ``--check`` regenerates into a temporary folder
and compares byte for byte with ``--out`` (exit 1 naming the differing files). Both
end with a short summary of the data in ``--out``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd
from babel.numbers import format_decimal, format_percent

from planning_lib.core.paths import SAMPLE_DATA
from planning_lib.core.text_store import BABEL_LOCALES
from planning_lib.sample import summary as ks
from planning_lib.sample.company import (
    TABLE_NAMES,
    SampleExistsError,
    SampleForeignFilesError,
    generate_sample,
    sample_files,
    write_files,
)
from planning_lib.sample.config import SampleConfig

__all__ = ["HELP", "NAME", "add_arguments", "compare_folders", "read_tables", "run", "summary"]

NAME = "sample-data"
HELP = "Beispieldaten einer SaaS-Firma erzeugen oder prüfen (generate or check sample data)"

_TEXT = {
    "de": {
        "same": "{out}: identisch mit einer frischen Erzeugung (Seed {seed}).",
        "differs": "{out}: weicht von einer frischen Erzeugung (Seed {seed}) ab:",
        "missing_dir": "{out} gibt es nicht; ohne --check erzeugen.",
        "written": "Beispieldaten geschrieben nach {out} (Seed {seed}).",
        "header": ("Tabelle", "Zeilen", "von", "bis"),
        "state": "Stand {day}: {customers} Kunden, MRR {mrr} €, {reps} Innendienst-Mitarbeitende",
        "new": "Neukunden {year}: {n} ({shares})",
        "cac": "CAC {year} (Marketing ÷ Neukunden): {cac} € (Marketing {mkt} €)",
        "unreadable": "Zusammenfassung nicht möglich: {err}",
        "exists": "{out} ist nicht leer; mit --force ersetzen (oder mit --check vergleichen).",
        "foreign": "{out} enthält Dateien, die keine Beispieldaten sind: {files}. --force "
        "ersetzt nur die eigenen Dateien der Beispieldaten; diese bitte verschieben oder "
        "einen anderen Ordner wählen.",
    },
    "en": {
        "same": "{out}: identical to a fresh generation (seed {seed}).",
        "differs": "{out}: differs from a fresh generation (seed {seed}):",
        "missing_dir": "{out} does not exist; generate it without --check.",
        "written": "Sample data written to {out} (seed {seed}).",
        "header": ("table", "rows", "from", "to"),
        "state": "On {day}: {customers} customers, MRR €{mrr}, {reps} inside-sales reps",
        "new": "New customers {year}: {n} ({shares})",
        "cac": "CAC {year} (marketing ÷ new customers): €{cac} (marketing €{mkt})",
        "unreadable": "No summary possible: {err}",
        "exists": "{out} is not empty; use --force to replace it (or --check to compare).",
        "foreign": "{out} holds files that are not sample data: {files}. --force replaces "
        "only the sample's own files; move these away or choose another folder.",
    },
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``planning sample-data``."""
    parser.add_argument(
        "--out", type=Path, default=SAMPLE_DATA, help="target folder (default: data/sample)"
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace an earlier sample in --out (refused when it holds other files)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate into a temporary folder and compare byte for byte with --out",
    )
    parser.add_argument("--lang", choices=("de", "en"), default="de", help="output language")


def _files_in(folder: Path) -> dict[str, Path]:
    return {
        p.relative_to(folder).as_posix(): p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    }


def compare_folders(expected: Path, actual: Path) -> list[str]:
    """Relative paths that differ between two folders (missing on either side or bytes)."""
    a, b = _files_in(expected), _files_in(actual)
    return [
        rel
        for rel in sorted(set(a) | set(b))
        if rel not in a or rel not in b or a[rel].read_bytes() != b[rel].read_bytes()
    ]


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The five canonical tables of a sample folder as read from its CSV files."""
    return {
        name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False).replace(
            "", None
        )
        for name in TABLE_NAMES
    }


def _num(x: float, lang: str) -> str:
    return format_decimal(round(x), locale=BABEL_LOCALES[lang])


def summary(folder: Path, lang: str = "de", cfg: SampleConfig | None = None) -> list[str]:
    """Lines describing the sample in ``folder``: tables, end state, new customers, CAC."""
    cfg = cfg or SampleConfig()
    text = _TEXT[lang]
    history = read_tables(folder)
    for frame in history.values():
        for col in ("mrr_eur", "amount_eur"):
            if col in frame:
                frame[col] = frame[col].astype(float)
    tables = {name: history[name] for name in TABLE_NAMES}
    lines = ["{:<26} {:>7}  {:<10}  {}".format(*text["header"])]
    rows = ks.table_overview(tables)
    if (folder / "actuals").is_dir():
        actuals = read_tables(folder / "actuals")
        rows += [(f"actuals/{n}", r, f, t) for n, r, f, t in ks.table_overview(actuals)]
    lines += [f"{name:<26} {n:>7}  {first:<10}  {last}" for name, n, first, last in rows]
    end, year = cfg.history_end, cfg.history_end.year
    subs, costs = tables["subscriptions"], tables["costs"]
    day = end.strftime("%d.%m.%Y") if lang == "de" else end.isoformat()
    lines.append(
        text["state"].format(
            day=day,
            customers=ks.active_customers(subs, end),
            mrr=_num(ks.mrr(subs, end), lang),
            reps=ks.employed(tables["headcount"], end),
        )
    )
    loc = BABEL_LOCALES[lang]
    shares = ", ".join(
        f"{k} {format_percent(v, locale=loc)}"
        for k, v in ks.new_customer_shares(subs, year).items()
    )
    lines.append(text["new"].format(year=year, n=ks.new_customers(subs, year), shares=shares))
    lines.append(
        text["cac"].format(
            year=year,
            cac=_num(ks.stated_cac(costs, subs, year), lang),
            mkt=_num(ks.marketing_cost(costs, year), lang),
        )
    )
    return lines


def _print_summary(out: Path, lang: str) -> None:
    try:
        lines = summary(out, lang)
    except (OSError, KeyError, ValueError) as err:
        print(_TEXT[lang]["unreadable"].format(err=err), file=sys.stderr)
        return
    print("\n".join(lines))


def run(args: argparse.Namespace) -> int:
    """Generate or check the sample; returns the exit code (0 ok, 1 refused or differing)."""
    text = _TEXT[args.lang]
    out: Path = args.out
    if not args.check and not args.force and out.is_dir() and any(out.iterdir()):
        print(text["exists"].format(out=out), file=sys.stderr)
        return 1
    files = sample_files(generate_sample(args.seed))
    if args.check:
        if not out.is_dir():
            print(text["missing_dir"].format(out=out), file=sys.stderr)
            return 1
        with tempfile.TemporaryDirectory(prefix=f".{out.name}.check-", dir=out.parent) as tmp:
            fresh = write_files(files, Path(tmp) / out.name)
            differing = compare_folders(fresh, out)
        if differing:
            print(text["differs"].format(out=out, seed=args.seed), file=sys.stderr)
            for rel in differing:
                print(f"  {rel}", file=sys.stderr)
        else:
            print(text["same"].format(out=out, seed=args.seed))
        _print_summary(out, args.lang)
        return 1 if differing else 0
    try:
        write_files(files, out, force=args.force)
    except SampleForeignFilesError as exc:
        shown = ", ".join(exc.foreign[:10])
        if len(exc.foreign) > 10:
            shown += f" (+{len(exc.foreign) - 10})"
        print(text["foreign"].format(out=out, files=shown), file=sys.stderr)
        return 1
    except SampleExistsError as exc:
        print(text["exists"].format(out=out) if args.force is False else str(exc), file=sys.stderr)
        return 1
    print(text["written"].format(out=out, seed=args.seed))
    _print_summary(out, args.lang)
    return 0
