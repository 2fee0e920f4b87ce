"""The fast paths of the CSV reader and the canonical writer give what the plain ones give.

Each fast path (the encoding check on bytes, the head of the text for the delimiter,
Arrow's number parser, Arrow's CSV writer, the vectorised fixed-decimal cells) is held
against values worked out by hand from the rule it replaces, or against the plain
method (``str.splitlines``, ``pandas.to_numeric``, ``csv.writer``) on the same input.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from planning_lib.cli.validate import canonical_csv
from planning_lib.data.arrow_csv import canonical_cells, join_csv, read_text_cells
from planning_lib.data.parsing import (
    _decimal_vote,
    _edge_space,
    _edit_bytes,
    _plain_votes,
    _stripped,
    _without_separators,
    parse_numbers,
)
from planning_lib.data.readers import (
    _BLOCK,
    _DECODED_MULTIBYTE,
    MixedEncodingError,
    _has_multibyte,
    _head_lines,
    _without_footer,
    decode,
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # cp1252 "Müller;Straße": FC is no lead byte, DF is followed by "e" (no continuation)
        (b"M\xfcller;Stra\xdfe\n", ("Müller;Straße\n", "cp1252")),
        # E0 80 80 is an overlong form (E0 needs A0-BF next): cp1252 à € €, then ü
        (b"\xe0\x80\x80\xfc", ("à€€ü", "cp1252")),
        # ED A0 80 would encode a surrogate (ED needs 80-9F next): cp1252 í, no-break space, €
        (b"\xed\xa0\x80\xfc", ("í\xa0€ü", "cp1252")),
        # a lead byte as the last byte has no continuation: cp1252 Ã
        (b"abc\xfc\xc3", ("abcüÃ", "cp1252")),
    ],
)
def test_bytes_that_are_no_utf8_sequence_are_cp1252(data, expected):
    """The UTF-8 table of RFC 3629 rules these out as sequences; cp1252 maps each byte
    to one character (E0 à, 80 €, ED í, A0 no-break space, FC ü, C3 Ã, DF ß)."""
    assert decode(data) == expected


def test_cp1252_without_its_own_bytes_reads_each_byte_as_its_code_point():
    """Second method: Python's cp1252 codec. Bytes A0-FF alone (no byte 80-9F) take the
    Latin-1 shortcut, each byte its code point (FC "ü" is U+00FC); a file that also holds
    a byte of 80-9F (80 "€", 9F "Ÿ") is decoded by the codec; both agree with it."""
    single = [bytes([b]) for b in range(0xA0, 0x100)]
    for byte in single:  # each byte alone after ASCII: a lead byte without continuation
        data = b"a;b\n" + byte + b";x\n"
        assert decode(data) == (data.decode("cp1252"), "cp1252"), byte
    latin = b"M\xfcller;Stra\xdfe;\xa7 3;\xb0C\n\xe4\xf6\xc4\xd6\xdc\n"
    assert decode(latin) == ("Müller;Straße;§ 3;°C\näöÄÖÜ\n", "cp1252")
    assert decode(latin + b"\x80\x9f") == ("Müller;Straße;§ 3;°C\näöÄÖÜ\n€Ÿ", "cp1252")


@pytest.mark.parametrize(
    ("data", "sample"),
    [
        (b"\xc3\xa4;\xfc", "ä"),  # C3 A4 is "ä" in UTF-8, FC a cp1252 "ü"
        (b"\xfc;\xe2\x82\xac", "€"),  # E2 82 AC is "€" in UTF-8
        (b"\xfc\xf4\x8f\xbf\xbf", "\U0010ffff"),  # F4 8F BF BF: the last code point
        (b"x" * (_BLOCK - 1) + b"\xc3\xa4\xfc", "ä"),  # the sequence across two blocks
    ],
)
def test_a_utf8_sequence_next_to_a_foreign_byte_is_mixed(data, sample):
    """The first well-formed multibyte sequence is the evidence named; its character is
    read off the UTF-8 table by hand."""
    with pytest.raises(MixedEncodingError) as err:
        decode(data)
    assert err.value.sample == sample


def test_multibyte_check_agrees_with_decoding_on_random_bytes():
    """Second method: decode with ``surrogateescape`` and look for a decoded non-ASCII
    character (what ``decode`` did before), on short random byte strings drawn mostly from
    the boundary bytes of the UTF-8 table."""
    rng = np.random.default_rng(7)
    boundary = b"\x41\x80\x8f\x90\x9f\xa0\xbf\xc0\xc1\xc2\xdf\xe0\xe1\xec\xed\xee\xef"
    pool = np.frombuffer(boundary + b"\xf0\xf1\xf3\xf4\xf5\xff\xfc\xe4", dtype=np.uint8)
    found = 0
    for i in range(5_000):
        size = int(rng.integers(0, 10))
        data = bytes(rng.choice(pool, size) if i % 2 else rng.integers(0, 256, size, np.uint8))
        expected = _DECODED_MULTIBYTE.search(data.decode("utf-8", "surrogateescape")) is not None
        assert _has_multibyte(data) == expected, data
        found += expected
    assert 0 < found < 5_000  # both answers occur


def test_head_lines_are_the_first_lines_of_the_whole_text():
    """Second method: ``str.splitlines`` of the whole text. The 65,536th character is the
    ``\\r`` of a ``\\r\\n`` (the first cut falls between them), other lines end in ``\\r``
    or ``\\n`` alone, and one line is longer than the first cut."""
    filler = "a;b\n" * 10
    head = "x" * (65_535 - len(filler)) + "\r\n"  # "\r" is character 65,536
    text = filler + head + "c;d\r" * 30 + "e;f\n" * 30 + "g" * 300_000 + "\n" + "h;i\n" * 80
    assert text[65_535] == "\r"
    for count in (1, 11, 12, 50, 72, 200):
        assert _head_lines(text, count) == text.splitlines()[:count]
    short = "a;b\r\nc;d"
    assert _head_lines(short, 50) == ["a;b", "c;d"]


def test_numbers_parse_like_pandas_to_numeric():
    """Second method: ``pandas.to_numeric`` of the same cleaned text; 20,000 decimals with
    up to 21 significant digits and exponents, parsed as German text (decimal comma)."""
    rng = np.random.default_rng(3)
    n = 20_000
    whole = rng.integers(0, 10**12, n).astype(str)
    part = rng.integers(0, 10**9, n).astype(str)
    exponent = np.char.add("e", rng.integers(-30, 30, n).astype(str))
    power = np.where(rng.random(n) < 0.3, exponent, "")
    text = np.char.add(np.char.add(np.char.add(whole, ","), part), power)
    values = pd.Series([*text.tolist(), None, "x"], dtype="str")
    parsed, bad = parse_numbers(values, decimal=",")
    expected = pd.to_numeric(
        pd.Series(np.char.add(np.char.add(np.char.add(whole, "."), part), power)), errors="raise"
    ).to_numpy()
    assert np.array_equal(parsed.to_numpy()[:n], expected)
    assert parsed.iloc[n:].isna().all()
    assert bad.tolist()[n:] == [False, True]


def test_negative_zero_like_pandas():
    """pandas reads a column of whole numbers without gaps as integers, where ``-0`` is 0;
    with a decimal or a gap it reads floats, where ``-0`` and ``-0,00`` keep the sign
    (IEEE negative zero). The canonical writer shows the sign: ``0.00`` vs ``-0.00``."""
    whole, _ = parse_numbers(pd.Series(["-0", "5"], dtype="str"), decimal=",")
    assert whole.tolist() == [0.0, 5.0] and not np.signbit(whole.to_numpy()).any()
    floats, _ = parse_numbers(pd.Series(["-0,00", "5,5", "-0"], dtype="str"), decimal=",")
    assert np.signbit(floats.to_numpy()).tolist() == [True, False, True]
    gap, _ = parse_numbers(pd.Series(["-0", None], dtype="str"), decimal=",")
    assert np.signbit(gap.to_numpy()[0])


def test_fixed_cells_by_hand():
    """Two decimals: 2742.54 as written; 0.125 is a tie, which Python's ``format`` rounds
    to even (0.12, and 0.12 != 0.125, so the exact repr "0.125" is written); 1e-07 gives
    "0.00", which loses the value, so "1e-07"; -0.001 gives "-0.00", also lost: "-0.001";
    -3.5 -> "-3.50"; 1234567890.25 is beyond 1e9 and formatted by Python: exact; a
    missing cell is null."""
    values = pd.Series([2742.54, 0.125, 1e-7, -0.001, -3.5, 1234567890.25, np.nan])
    cells = canonical_cells(values, "float", 2).to_pylist()
    assert cells == ["2742.54", "0.125", "1e-07", "-0.001", "-3.50", "1234567890.25", None]


def test_fixed_cells_agree_with_format_and_repr():
    """Second method: the rule written out in Python, one cell at a time:
    ``format(x, ".2f")`` if it reads back to ``x``, else ``repr(x)``; on 50,000 money
    amounts (cents, tenths of cents, negatives, huge ones)."""
    rng = np.random.default_rng(11)
    cents = rng.integers(-(10**9), 10**9, 20_000) / 100
    fine = rng.integers(-(10**7), 10**7, 20_000) / 1000
    other = rng.lognormal(5, 4, 10_000) * rng.choice([-1, 1], 10_000)
    numbers = np.concatenate([cents, fine, other])
    cells = canonical_cells(pd.Series(numbers), "float", 2).to_pylist()
    for x, cell in zip(numbers.tolist(), cells, strict=True):
        fixed = format(x, ".2f")
        assert cell == (fixed if float(fixed) == x else repr(x))


@pytest.mark.parametrize("decimals", [1, 2])
def test_fixed_cells_below_one_and_around_it(decimals):
    """Second method: the rule in Python (``format`` if it reads back, else ``repr``)
    on every value -2.000 .. 2.000 in steps of 0.001, both zeros and the powers of ten
    (the cells below 1 are built apart from the others); by hand: 0.05 -> "0.05",
    -0.05 -> "-0.05", -0.0 -> "-0.00", 10.0 -> "10.00" (two decimals)."""
    numbers = np.concatenate(
        [np.arange(-2000, 2001) / 1000, [0.0, -0.0, 10.0, -10.0, 100.0, 1e8, -1e8]]
    )
    cells = canonical_cells(pd.Series(numbers), "float", decimals).to_pylist()
    spec = f".{decimals}f"
    for x, cell in zip(numbers.tolist(), cells, strict=True):
        fixed = format(x, spec)
        assert cell == (fixed if float(fixed) == x else repr(x)), x
    if decimals == 2:
        got = canonical_cells(pd.Series([0.05, -0.05, -0.0, 10.0]), "float", 2).to_pylist()
        assert got == ["0.05", "-0.05", "-0.00", "10.00"]


def test_arrow_writer_gives_csv_writer_bytes():
    """Second method: ``csv.writer`` with LF. Missing cells are empty, umlauts UTF-8."""
    names = ["deal_id", "region"]
    columns = [
        pa.array(["D1", "D2", None], pa.large_string()),
        pa.array(["DE-Süd", None, "AT"], pa.large_string()),
    ]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    writer.writerows([["D1", "DE-Süd"], ["D2", ""], ["", "AT"]])
    assert join_csv(names, columns).to_pybytes() == buf.getvalue().encode("utf-8")


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("Müller, GmbH", '"Müller, GmbH"'),
        ('say "hi"', '"say ""hi"""'),
        ("two\nlines", '"two\nlines"'),
        ("cr\r", "cr\r"),  # csv.writer with LF lines does not quote a lone CR
    ],
)
def test_cells_that_need_quotes_go_the_plain_way(cell, written):
    """A comma, a quote, LF or CR in a cell: Arrow's writer refuses, ``join_csv`` says
    None, and ``canonical_csv`` writes what ``csv.writer`` writes (comma, quote and LF
    quoted, inner quotes doubled; Python's writer leaves a CR as it is when lines end
    in LF, so the plain path is taken for it too, as before)."""
    assert join_csv(["deal_id"], [pa.array([cell, "D2"], pa.large_string())]) is None
    frame = pd.DataFrame(
        {"deal_id": pd.Series([cell, "D2"], dtype="str"), "stage": ["won", "lost"]}
    )
    expected = f"deal_id,stage\n{written},won\nD2,lost\n".encode()
    assert canonical_csv("deals", frame) == expected


def test_edge_space_finds_what_strip_removes():
    """Second method: ``str.strip`` changes the cell. Blanks, a tab, a no-break space
    (U+00A0) and an ideographic space (U+3000) at either end count; inside they do not."""
    cells = ["a b", " a", "a\t", "\u00a0a", "a\u3000", "x", None]
    for cell in cells:
        values = pd.Series(["id", cell], dtype="str")
        changed = cell is not None and cell.strip() != cell
        assert _edge_space(values) == changed, cell
    assert _stripped(pd.Series(["a", " b "], dtype="str")).tolist() == ["a", "b"]
    clean = pd.Series(["a", "b c", None], dtype="str")
    assert _stripped(clean) is clean  # nothing to strip: the column itself


def test_footer_is_still_dropped_and_records_kept():
    """A Salesforce-style footer (single-field lines after a blank line) is cut; a file
    whose last line is a record is returned as it is, blank lines inside included."""
    footer = "a;b\n1;2\n\nDeals report\nGenerated By: x\n"
    assert _without_footer(footer, ";") == "a;b\n1;2\n"
    records = "a;b\n1;2\n\n3;4\n  \n"
    assert _without_footer(records, ";") is records


def test_canonical_dates_are_iso_per_row():
    """Second method: numpy's ``datetime_as_string`` of every day; a missing day is null."""
    days = pd.Series(pd.to_datetime(["2024-02-29", "1999-12-31", None, "2024-02-29"]))
    cells = canonical_cells(days, "date", 2).to_pylist()
    assert cells == ["2024-02-29", "1999-12-31", None, "2024-02-29"]
    rng = np.random.default_rng(2)
    many = pd.Series(np.datetime64("2020-01-01") + rng.integers(0, 2_000, 5_000))
    expected = np.datetime_as_string(many.to_numpy().astype("datetime64[D]")).tolist()
    assert canonical_cells(many, "date", 2).to_pylist() == expected


def test_edge_space_on_many_cells_agrees_with_strip():
    """Second method: ``str.strip`` on each cell, for columns where one cell somewhere in
    100,000 has white space at one end (ASCII and Unicode spaces, after umlauts and
    multibyte characters), or none has; sliced arrays (an offset into the buffers) too."""
    rng = np.random.default_rng(5)
    words = np.array(["Süd", "Nord", "Straße", "東京", "x", "AT"])
    base = [str(w) for w in rng.choice(words, 100_000)]
    for space in ["", " ", "\t", "\u00a0", "\u2009", "\u3000"]:
        for where in ("start", "end"):
            cells = list(base)
            if space:
                at = int(rng.integers(0, len(cells)))
                cells[at] = space + cells[at] if where == "start" else cells[at] + space
            values = pd.Series(cells, dtype="str")
            assert _edge_space(values) == any(c.strip() != c for c in cells)
            part = values.iloc[40_000:60_000]
            assert _edge_space(part) == any(c.strip() != c for c in cells[40_000:60_000])


def test_edge_space_on_a_column_of_several_chunks():
    """Two columns glued (pandas keeps Arrow chunks): the blank at the end of the second
    chunk's cell is found; without it nothing is (``str.strip`` as the second method)."""
    head = pd.Series(["Süd", "Nord"] * 1_000, dtype="str")
    for tail_cell, expected in (("AT ", True), ("AT", False)):
        tail = pd.Series(["x", tail_cell], dtype="str")
        values = pd.concat([head, tail], ignore_index=True)
        assert _edge_space(values) is expected
        assert _stripped(values).iloc[-1] == "AT"


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_files_without_quotes_read_the_same_split_at_line_ends(end):
    """Second method: the quote-aware reading (a cell may hold a line break). A file with
    no ``"`` gives the same cells either way, LF or CRLF; 150,000 records so Arrow reads
    it in several blocks. Old Mac line ends (CR alone) go the plain way in both."""
    lines = ["id;name;amount", *(f"D{i};Süd {i % 7};{i},5" for i in range(150_000))]
    data = (end.join(lines) + end).encode("utf-8")
    fast = read_text_cells(data, ";", quotes=False)
    plain = read_text_cells(data, ";", quotes=True)
    if end == "\r":
        assert fast is None and plain is None
        return
    pd.testing.assert_frame_equal(fast, plain)
    assert fast.shape == (150_000, 3)
    assert fast.iloc[-1].tolist() == ["D149999", "Süd 3", "149999,5"]  # 149999 = 7 * 21428 + 3


def test_separators_dropped_on_bytes_like_str_replace():
    """Second method: pandas' ``str.replace`` (thousands separator removed, decimal
    separator turned into ``.``), on cells with umlauts, CJK and emoji around the
    separators, empty and missing cells; one chunk, three chunks glued by ``concat``, a
    slice (an offset into the buffers: pandas' way), and a by-hand case."""
    rng = np.random.default_rng(11)
    parts = np.array(["1", "23", ".", ",", "ü", "東", "\U0001f600", "-", "e5", " "])
    cells = ["".join(rng.choice(parts, int(rng.integers(0, 6)))) for _ in range(30_000)]
    cells = [None if i % 97 == 0 else c for i, c in enumerate(cells)]
    one = pd.Series(cells, dtype="str")
    thirds = [pd.Series(cells[i : i + 10_000], dtype="str") for i in (0, 10_000, 20_000)]
    glued = pd.concat(thirds, ignore_index=True)
    chunks = pa.array(glued).chunks
    assert len(chunks) == 3  # the byte path reads each chunk, none is sliced
    assert all(_edit_bytes(c, ord("."), ord(",")) is not None for c in chunks)
    for values in (one, glued, one.iloc[5:25_000]):
        for thousands, decimal in ((".", ","), (",", ".")):
            expected = values.str.replace(thousands, "", regex=False)
            expected = expected.str.replace(decimal, ".", regex=False)
            got = _without_separators(values, thousands, decimal)
            pd.testing.assert_series_equal(got, expected)
    by_hand = pd.Series(["1.234,50", None, "ü.,東", "", "12"], dtype="str")
    assert _without_separators(by_hand, ".", ",").tolist() == [
        "1234.50",
        np.nan,
        "ü.東",
        "",
        "12",
    ]


@pytest.mark.parametrize(
    ("thousands", "decimal", "cells", "expected"),
    [
        # no thousands separator anywhere: only the decimal comma becomes a point
        (".", ",", ["228,54", None, "ü,東", "", "12"], ["228.54", np.nan, "ü.東", "", "12"]),
        # English cells without thousands separators: nothing to edit
        (",", ".", ["228.54", None, "1e5", "", "ü"], ["228.54", np.nan, "1e5", "", "ü"]),
    ],
)
def test_cells_without_thousands_separators(thousands, decimal, cells, expected):
    """By hand, and the same as pandas' ``str.replace`` (second method)."""
    values = pd.Series(cells, dtype="str")
    got = _without_separators(values, thousands, decimal)
    assert got.tolist() == expected
    plain = values.str.replace(thousands, "", regex=False).str.replace(decimal, ".", regex=False)
    pd.testing.assert_series_equal(got, plain)


def test_plain_votes_count_what_decimal_vote_says():
    """Second method: :func:`_decimal_vote` on each value, counted. Random values of
    digits, separators, signs and exponents (both separators, repeated ones, three
    digits after one separator or not); by hand: "1.234,5" and "0,5" vote ",", "1,234"
    (three digits after) and "12" none, "1,234,567" "." (repeated commas), "2.5" "."
    Values with anything else (a blank, "€") go the plain way (None)."""
    rng = np.random.default_rng(1)
    parts = np.array([*"0123456789.,+-eE", "12", "345"])
    cells = ["".join(rng.choice(parts, int(rng.integers(1, 9)))) for _ in range(20_000)]
    sample = pd.unique(pd.Series(cells, dtype="str").array)
    votes = [_decimal_vote(v) for v in sample]
    assert _plain_votes(sample) == (votes.count(","), votes.count("."))
    assert votes.count(",") > 1_000 and votes.count(".") > 1_000  # both occur
    by_hand = pd.array(["1.234,5", "0,5", "1,234", "12", "1,234,567", "2.5"], dtype="str")
    assert _plain_votes(by_hand) == (2, 2)
    assert _plain_votes(pd.array(["1,5", "2 €"], dtype="str")) is None
    assert _plain_votes(pd.array(["1,5", "1 000"], dtype="str")) is None
