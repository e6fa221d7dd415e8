"""Table and file I/O: reading real-world files, writing atomically, and where we may write.

``read`` turns CSV and Parquet files into polars frames; ``write`` writes tables and JSON;
``outputs`` holds the one rule every command follows for its outputs.
"""

from synthpriv.io.outputs import (
    MANIFEST,
    atomic_directory,
    atomic_files,
    atomic_path,
    check_output,
    manifest_outputs,
    output_lock,
)
from synthpriv.io.read import (
    ReadResult,
    Typed,
    decide_types,
    infer_types,
    load_folder,
    load_table,
    read_json,
    read_table,
    sha256_file,
    sniff_delimiter,
)
from synthpriv.io.write import write_json, write_sample, write_table

__all__ = [
    "ReadResult",
    "Typed",
    "load_table",
    "MANIFEST",
    "atomic_directory",
    "atomic_files",
    "atomic_path",
    "check_output",
    "decide_types",
    "infer_types",
    "load_folder",
    "manifest_outputs",
    "output_lock",
    "read_json",
    "read_table",
    "sha256_file",
    "sniff_delimiter",
    "write_json",
    "write_sample",
    "write_table",
]
