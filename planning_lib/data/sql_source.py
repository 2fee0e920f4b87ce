"""Read a database table or query through SQLAlchemy into a raw frame, cells untouched.

Like the file readers (:mod:`planning_lib.data.readers`) it returns a
:class:`~planning_lib.data.readers.RawTable` (records numbered 1..) and raises
:class:`~planning_lib.data.readers.SourceError` for a source that cannot be read.
SQLite and DuckDB files are opened read-only; the source's name never shows the
password.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import numpy as np
import pandas as pd

from planning_lib.data.failures import failure
from planning_lib.data.readers import RawTable, SourceError

__all__ = ["read_sql", "source_label"]


def source_label(url: str, sql_table: str | None, query: str | None) -> str:
    """A readable SQL source name without the password; a long query is marked as shortened.

    The failure message of a broken query names it whole (see :func:`_sql_error`).
    """
    # SQLAlchemy (~120 ms) only for SQL sources, not on every import of the loaders
    from sqlalchemy.engine import make_url

    safe = make_url(url).render_as_string(hide_password=True)
    what = sql_table if sql_table else "query " + _abbreviated(" ".join((query or "").split()))
    return f"{safe} ({what})"


def _abbreviated(text: str, width: int = 60) -> str:
    """``text`` up to ``width`` characters, shortened at a blank and marked with "…"."""
    if len(text) <= width:
        return text
    cut = text.rfind(" ", 0, width)
    return text[: cut if cut > 0 else width] + " …"


def _read_only_url(url: str) -> tuple[Any, dict[str, Any], Path | None]:
    """``(URL, connect_args, database file or None)`` opening SQLite/DuckDB files read-only.

    Other engines (PostgreSQL ...) and in-memory databases pass unchanged; reading
    them never creates anything.
    """
    # SQLAlchemy (~120 ms) only for SQL sources, not on every import of the loaders
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    backend, database = parsed.get_backend_name(), parsed.database or ""
    if backend not in ("sqlite", "duckdb") or database in ("", ":memory:"):
        return parsed, {}, None
    if backend == "duckdb":  # "md:db" (MotherDuck) and other remote names are no file
        remote = re.match(r"^[A-Za-z][\w+.-]+:", database) is not None  # not "C:"
        return parsed, {"read_only": True}, None if remote else Path(database)
    if database.startswith("file:"):  # already an SQLite URI filename
        path = Path(unquote(database.removeprefix("file:").split("?")[0]))
    else:
        path = Path(database)
        database = "file:" + quote(database, safe="/")
    ro = parsed.set(database=database).update_query_dict({"mode": "ro", "uri": "true"})
    return ro, {}, path


def _sql_error(err: BaseException) -> str:
    """The database's error in one line, the statement whole (never cut mid-query).

    pandas wraps SQLAlchemy's error, which names the driver's error and the statement
    once; its link to the SQLAlchemy docs is dropped.
    """
    # SQLAlchemy (~120 ms) only for SQL sources, not on every import of the loaders
    from sqlalchemy.exc import SQLAlchemyError

    found: BaseException | None = err
    while found is not None and not isinstance(found, SQLAlchemyError):
        found = found.__cause__ or found.__context__
    message = str(found if found is not None else err)
    message = re.sub(r"\(Background on this error at: [^)]*\)", "", message)
    return " ".join(message.split())


def read_sql(
    url: str,
    table: str,
    *,
    sql_table: str | None = None,
    query: str | None = None,
    lang: str = "en",
) -> RawTable:
    """Read a database table or query result through SQLAlchemy; rows numbered 1..

    Args:
        url: SQLAlchemy URL, e.g. ``sqlite:///crm.db``, ``duckdb:///crm.duckdb``,
            ``postgresql+psycopg://user@host/db``.
        table: canonical table (for messages).
        sql_table: database table to read (``schema.table`` allowed) ...
        query: ... or a SELECT statement.
        lang: message language.

    SQLite and DuckDB files are opened read-only; a missing file is an error (a
    connection would otherwise create an empty database).
    """
    # SQLAlchemy (~120 ms) only for SQL sources, not on every import of the loaders
    from sqlalchemy import create_engine, literal_column, select, text
    from sqlalchemy import table as sa_table

    if (sql_table is None) == (query is None):
        raise ValueError("give exactly one of sql_table or query")
    label = source_label(url, sql_table, query)
    target, connect_args, path = _read_only_url(url)
    if path is not None and not path.is_file():  # connecting would create an empty database
        raise SourceError(
            failure("no_database", file=label, table=table, detail=str(path), lang=lang)
        )
    engine = create_engine(target, connect_args=connect_args)
    try:
        with engine.connect() as conn:
            if sql_table is not None:  # a plain SELECT: no reflection, which some dialects lack
                schema, _, name = sql_table.rpartition(".")
                statement = select(literal_column("*")).select_from(
                    sa_table(name, schema=schema or None)
                )
                frame = pd.read_sql_query(statement, conn)
            else:
                frame = pd.read_sql_query(text(query), conn)
    except Exception as err:  # driver errors differ per engine
        raise SourceError(
            failure("unreadable", file=label, table=table, detail=_sql_error(err), lang=lang)
        ) from err
    finally:
        engine.dispose()
    if frame.empty:
        raise SourceError(failure("header_only", file=label, table=table, lang=lang))
    return RawTable(frame, np.arange(1, len(frame) + 1), label)
