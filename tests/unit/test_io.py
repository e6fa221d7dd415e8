import os
from pathlib import Path

import polars as pl
import pytest

from synthpriv.errors import InputError
from synthpriv.io import read_table, sniff_delimiter, write_table


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


def test_latin1_needs_and_honours_encoding(tmp_path):
    path = write(tmp_path, "name,city\nJosé,Málaga\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"t\.csv: line 2 is not valid utf-8; pass --encoding"):
        read_table(path)
    assert read_table(path, encoding="latin-1")["city"].to_list() == ["Málaga"]


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
    with pytest.raises(InputError, match="is a directory"):
        read_table(tmp_path)


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
