import bz2
import gzip
import lzma
import os
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from synthpriv.errors import InputError
from synthpriv.io import load_table, read_table, sniff_delimiter, write_table


def write(tmp_path: Path, content: bytes | str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_types_keep_identifiers_intact(tmp_path):
    path = write(
        tmp_path,
        "zip,card,n,x,flag,day\n07036,4111111111111111,3,1.5,true,2024-02-29\n"
        "10001,5500000000000004,4,2,False,2024-03-01\n",
    )
    frame = read_table(path)
    assert frame.schema == pl.Schema(
        {
            "zip": pl.String,
            "card": pl.String,
            "n": pl.Int64,
            "x": pl.Float64,
            "flag": pl.Boolean,
            "day": pl.Date,
        }
    )
    assert frame["zip"].to_list() == ["07036", "10001"]


def test_bom_is_skipped(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbfa,b\n1,2\n")
    assert read_table(path).columns == ["a", "b"]


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path, sep):
    path = write(tmp_path, f"a{sep}b{sep}c\n1{sep}x{sep}3\n4{sep}y{sep}6\n")
    assert read_table(path).shape == (2, 3)
    assert sniff_delimiter(f"a{sep}b\n1{sep}2\n") == sep


def test_latin1_is_detected_and_an_explicit_wrong_encoding_is_refused(tmp_path):
    path = write(tmp_path, "name,city\nJosé,Málaga\nAdèle,Orléans\n".encode("latin-1"))
    result = load_table(path)
    assert result.frame["city"].to_list() == ["Málaga", "Orléans"]
    assert result.facts["encoding"] in ("cp1252", "latin-1", "iso8859-1")
    assert result.facts["encoding_detected_by"] == "charset-normalizer"
    with pytest.raises(InputError, match=r"t\.csv: line 2 is not valid utf-8; leave --encoding"):
        read_table(path, encoding="utf-8")
    assert read_table(path, encoding="latin-1")["name"].to_list() == ["José", "Adèle"]


def test_mixed_utf8_and_latin1_lines_are_read_with_a_warning_naming_them(tmp_path):
    content = "name,city\nJosé,Málaga\n".encode() + "Adèle,Orléans\n".encode("latin-1")
    content += "Zoë,Köln\n".encode()
    result = load_table(write(tmp_path, content))
    assert result.frame["name"].to_list() == ["José", "Adèle", "Zoë"]
    assert result.facts["mixed_encoding_lines"] == 1
    assert result.warnings == [
        "lines 3 are not valid UTF-8 (the rest is); read them as cp1252/Latin-1"
    ]


def test_a_blank_header_gets_pandas_name_and_a_warning(tmp_path, caplog):
    path = write(tmp_path, ",name,amount\n0,a,1.5\n1,b,2\n")
    with caplog.at_level("WARNING"):
        result = load_table(path)
    assert result.frame.columns == ["Unnamed: 0", "name", "amount"]
    assert result.facts["renamed_headers"] == {"Unnamed: 0": 1}
    assert "t.csv: column 1 has no name; it is called 'Unnamed: 0'" in caplog.text


@pytest.mark.parametrize("kind", ["gzip", "bz2", "xz", "zstd"])
def test_compressed_csv_is_read(tmp_path, kind):
    raw = b"a;b\n1;x\n2;y\n"
    if kind == "gzip":
        data = gzip.compress(raw)
    elif kind == "bz2":
        data = bz2.compress(raw)
    elif kind == "xz":
        data = lzma.compress(raw)
    else:
        import pyarrow as pa

        data = pa.compress(raw, codec="zstd", asbytes=True)
    result = load_table(write(tmp_path, data, "t.csv." + kind))
    assert result.frame.shape == (2, 2) and result.facts["compression"] in (kind, "bzip2")


def test_an_excel_workbook_is_named_for_what_it_is(tmp_path):
    path = write(tmp_path, b"PK\x03\x04" + b"\x00" * 40, "t.xlsx")
    with pytest.raises(
        InputError, match="a ZIP archive or Excel workbook; export the sheet as CSV"
    ):
        read_table(path)


@pytest.mark.parametrize(
    "page", [b"<!DOCTYPE HTML>\n<html>\n<td>a</td>", b"\xef\xbb\xbf  <html lang='en'><body>"]
)
def test_a_web_page_saved_as_csv_is_named_for_what_it_is(tmp_path, page):
    """A repository's 'CSV' that was a notebook's HTML page: the reader said its rows had an
    inconsistent number of fields near line 12."""
    path = write(tmp_path, page + b"\n" * 20, "archive.csv")
    with pytest.raises(InputError, match="an HTML page, not a table; save the data as CSV$"):
        read_table(path)
    text = write(tmp_path, b"note,html\n<html> in a cell,1\n", "fine.csv")
    assert read_table(text).shape == (1, 2)


def test_utf16_with_a_byte_order_mark(tmp_path):
    path = write(tmp_path, "a\tb\n1\tü\n".encode("utf-16"))
    assert read_table(path)["b"].to_list() == ["ü"]


def test_spreadsheet_scientific_numbers_stay_text(tmp_path):
    path = write(tmp_path, "card,amt\n2.70319E+15,1.5\n6.30423E+11,2e3\n60490596305,3\n")
    result = load_table(path)
    assert result.frame.schema["card"] == pl.String
    assert result.frame.schema["amt"] == pl.Float64
    assert result.facts["spreadsheet_numbers"] == ["card"]


def test_non_finite_and_missing_tokens_in_numbers_become_missing(tmp_path):
    path = write(tmp_path, "x,y\n1.5,NA\ninf,2\nNaN,?\n-inf,4\n")
    frame = read_table(path)
    assert frame.schema["x"] == pl.Float64 and frame["x"].to_list() == [1.5, None, None, None]
    assert frame.schema["y"] == pl.Int64 and frame["y"].to_list() == [None, 2, None, 4]


def test_dates_in_common_forms(tmp_path):
    path = write(
        tmp_path,
        "us,eu,yy,mixed,stamp\n3/9/2020,13/02/2021,3/9/88,2020-01-05,1/1/19 0:00\n"
        "12/31/2020,01/12/2021,12/31/05,05/02/2020,12/31/19 23:59\n",
    )
    result = load_table(path)
    frame = result.frame
    assert frame["us"].to_list() == [date(2020, 3, 9), date(2020, 12, 31)]
    assert frame["eu"].to_list() == [date(2021, 2, 13), date(2021, 12, 1)]
    assert frame["yy"].to_list() == [date(1988, 3, 9), date(2005, 12, 31)]
    assert frame.schema["mixed"] == pl.Date and frame.schema["stamp"] == pl.Datetime("us")
    assert len(result.facts["datetime_forms"]["mixed"]["formats"]) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"  \n", "file is empty"),
        (b"a,b\n", "has a header but no data rows"),
        (b"\x00\x01\x02garbage\xff", "binary content, not a CSV or Parquet file"),
        (b"a,a\n1,2\n", "duplicate column name 'a'"),
        (b"a,b\n1,2\n3,4,5\n", "rows have an inconsistent number of fields"),
    ],
)
def test_bad_input_gives_one_line_error(tmp_path, content, message):
    path = write(tmp_path, content)
    with pytest.raises(InputError) as info:
        read_table(path)
    assert str(info.value) == f"{path}: {message}" or str(info.value).startswith(
        f"{path}: {message}"
    )
    assert "\n" not in str(info.value)


def test_error_never_quotes_a_cell(tmp_path):
    path = write(tmp_path, "a,b\nSECRET-VALUE,2\nx,3,4\n")
    with pytest.raises(InputError) as info:
        read_table(path)
    assert "SECRET" not in str(info.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="a folder with no CSV or Parquet file in it"):
        read_table(tmp_path)
    (tmp_path / "a.csv").write_text("x\n1\n")
    (tmp_path / "b.parquet").write_bytes(b"")
    with pytest.raises(InputError, match="is a directory, expected a CSV or Parquet file"):
        read_table(tmp_path)  # two tables: a folder run's input, not one table's


def test_parquet_round_trip_and_nested_types(tmp_path):
    frame = pl.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    write_table(frame, tmp_path / "t.parquet")
    assert read_table(tmp_path / "t.parquet").equals(frame)
    pl.DataFrame({"a": [[1], [2]]}).write_parquet(tmp_path / "n.parquet")
    with pytest.raises(InputError, match="column 'a' has a nested type"):
        read_table(tmp_path / "n.parquet")


def test_input_file_is_not_modified(tmp_path):
    path = write(tmp_path, "a,b\n1,2\n")
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)
    read_table(path)
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before


def test_formula_cells_are_neutralised_in_csv_unless_allowed(tmp_path):
    frame = pl.DataFrame(
        {
            "note": ['=HYPERLINK("http://evil","x")', "+1 555 0100", "@SUM(A1)", "plain", None],
            "delta": ["-3", "-2.5", "1e5", "+7", "-x"],  # plain numbers stay as they are
        }
    )
    write_table(frame, tmp_path / "safe.csv")
    safe = pl.read_csv(tmp_path / "safe.csv", infer_schema=False)
    assert safe["note"].to_list() == [
        '\'=HYPERLINK("http://evil","x")',
        "'+1 555 0100",
        "'@SUM(A1)",
        "plain",
        None,
    ]
    assert safe["delta"].to_list() == ["-3", "-2.5", "1e5", "+7", "'-x"]
    write_table(frame, tmp_path / "raw.csv", formulas=True)
    assert pl.read_csv(tmp_path / "raw.csv", infer_schema=False)["note"][0].startswith("=")
    write_table(frame, tmp_path / "t.parquet")  # Parquet is not opened by spreadsheets as text
    assert pl.read_parquet(tmp_path / "t.parquet").equals(frame)


def test_a_csv_written_in_slices_is_the_file_written_whole(tmp_path, monkeypatch):
    import datetime as dt

    from synthpriv.io import write as write_module
    from synthpriv.linked_run import write_tables

    frame = pl.DataFrame(
        {
            "n": list(range(7)),
            "note": ["=1+1", "a", None, "b", "@x", "c", "d"],
            # midnight in every row but the last: the last slice decides the column's format
            "at": [dt.datetime(2020, 1, d) for d in range(1, 7)] + [dt.datetime(2020, 1, 7, 5)],
            "day": [dt.datetime(2021, 2, d) for d in range(1, 8)],
        }
    )
    write_tables({"t": frame}, tmp_path, {"t": ".csv"}, formulas=False)
    whole = (tmp_path / "t.csv").read_bytes()
    monkeypatch.setattr(write_module, "WRITE_ROWS", 3)
    (tmp_path / "t.csv").unlink()
    write_tables({"t": frame}, tmp_path, {"t": ".csv"}, formulas=False)
    assert (tmp_path / "t.csv").read_bytes() == whole
    lines = whole.decode().splitlines()
    assert lines[0] == "n,note,at,day" and len(lines) == 8  # one header, every row
    assert lines[1] == "0,'=1+1,2020-01-01 00:00:00,2021-02-01"
    write_table(frame.clear(), tmp_path / "empty.csv")
    assert (tmp_path / "empty.csv").read_text() == "n,note,at,day\n"


def test_a_quote_in_a_header_survives_a_round_trip(tmp_path):
    path = write(tmp_path, '"size ""XL""",b\n1,2\n')
    frame = read_table(path)
    assert frame.columns == ['size "XL"', "b"]
    write_table(frame, tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text().splitlines()[0] == '"size ""XL""",b'
    assert read_table(tmp_path / "out.csv").columns == ['size "XL"', "b"]


def test_a_stray_quote_inside_a_cell_is_read_as_text(tmp_path):
    path = write(tmp_path, 'name,n\nO"Brien,1\nplain,2\n')
    assert read_table(path)["name"].to_list() == ['O"Brien', "plain"]


def test_dates_stored_as_strings_in_parquet_are_read_as_dates(tmp_path):
    frame = pl.DataFrame(
        {"admitted": ["2024-01-05", "2024-02-11", "03/15/2024", "04/01/2024"], "n": [1, 2, 3, 4]}
    )
    frame.write_parquet(tmp_path / "t.parquet")
    read = read_table(tmp_path / "t.parquet")
    assert read.schema["admitted"] == pl.Date
    assert read["admitted"].to_list() == [
        date(2024, 1, 5),
        date(2024, 2, 11),
        date(2024, 3, 15),
        date(2024, 4, 1),
    ]


def test_decoding_returns_what_it_found_and_fills_nothing_given():
    import inspect

    from synthpriv.io.read import decode_csv

    assert list(inspect.signature(decode_csv).parameters) == ["path", "data", "encoding"]
    data = "name,city\nJosé,Málaga\n".encode() + "Adèle,Orléans\n".encode("latin-1")
    text, facts, warnings = decode_csv(Path("t.csv"), data, "auto")
    assert text.splitlines()[2] == "Adèle,Orléans"
    assert facts == {
        "bom": False,
        "encoding": "utf-8",
        "mixed_encoding_lines": 1,
        "encoding_fallback": "cp1252",
    }
    assert warnings == ["lines 3 are not valid UTF-8 (the rest is); read them as cp1252/Latin-1"]
    again = decode_csv(Path("t.csv"), "a,b\n1,2\n".encode("utf-16"), "auto")
    assert again.facts == {"encoding": "utf-16", "bom": True} and again.warnings == []


def test_a_read_result_cannot_be_changed_and_anchoring_centuries_makes_new_ones(tmp_path):
    from dataclasses import FrozenInstanceError

    from synthpriv.io.read import align_centuries

    ids = list(range(1, 41))
    people = write(
        tmp_path,
        "id,dob\n" + "".join(f"{i},3/{i % 27 + 1}/64\n" for i in ids),
        "people.csv",
    )
    visits = write(
        tmp_path,
        "id,admitted\n" + "".join(f"{i},2130-10-{i % 27 + 1:02d} 10:00:00\n" for i in ids),
        "visits.csv",
    )
    tables = {"people": load_table(people), "visits": load_table(visits)}
    with pytest.raises(FrozenInstanceError):
        tables["people"].frame = tables["visits"].frame
    given = tables["people"]
    before = (given.frame.clone(), repr(given.facts), list(given.warnings))
    aligned = align_centuries(tables)
    assert aligned["people"] is not given and aligned["visits"] is tables["visits"]
    assert aligned["people"].frame["dob"].dt.year().unique().to_list() == [2064]
    assert "visits (by id)" in aligned["people"].facts["two_digit_years"]["dob"]
    assert "visits (by id)" in aligned["people"].facts["datetime_forms"]["dob"]["century"]
    assert tables["people"] is given  # the dict given, and the result in it, as they were
    assert given.frame.equals(before[0]) and given.frame["dob"].dt.year().to_list()[0] == 1964
    assert (repr(given.facts), given.warnings) == before[1:]
