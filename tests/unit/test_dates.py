"""Dates and times as real systems export them: read right, never an error, written back."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from synthpriv.io import dates, decide_types, infer_types

BASE = dt.datetime(2014, 10, 14, 4, 17, 47, 250000)


def _times(n: int = 60) -> list[dt.datetime]:
    return [BASE + dt.timedelta(days=3 * i, minutes=97 * i) for i in range(n)]


def _epoch_ms(t: dt.datetime) -> str:
    return str(int(t.replace(tzinfo=dt.UTC).timestamp() * 1000))


# (name, how a value is written, what it reads as in UTC, the column's dtype)
FORMS = [
    ("iso_z", lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"), lambda t: t.replace(microsecond=0)),
    (
        "iso_offset",
        lambda t: t.strftime("%Y-%m-%dT%H:%M:%S+02:00"),
        lambda t: t.replace(microsecond=0) - dt.timedelta(hours=2),
    ),
    (
        "iso_fraction_z",
        lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z",
        lambda t: t,
    ),
    (
        "iso_compact_offset",
        lambda t: t.strftime("%Y-%m-%d %H:%M:%S-0500"),
        lambda t: t.replace(microsecond=0) + dt.timedelta(hours=5),
    ),
    (
        "us_12_hour",
        lambda t: t.strftime("%m/%d/%Y %I:%M %p"),
        lambda t: t.replace(second=0, microsecond=0),
    ),
    ("day_month_name", lambda t: t.strftime("%d %b %Y"), lambda t: t.date()),
    ("month_name_day", lambda t: t.strftime("%b %d, %Y"), lambda t: t.date()),
    ("oracle", lambda t: t.strftime("%d-%b-%y").upper(), lambda t: t.date()),
    ("dotted", lambda t: t.strftime("%d.%m.%Y"), lambda t: t.date()),
    (
        "rfc_2822",
        lambda t: t.strftime("%a, %d %b %Y %H:%M:%S +0000"),
        lambda t: t.replace(microsecond=0),
    ),
    (
        "spreadsheet_two_digit_year",
        lambda t: f"{t.month}/{t.day}/{t:%y} {t.hour}:{t.minute:02d}",
        lambda t: t.replace(second=0, microsecond=0),
    ),
]


@pytest.mark.parametrize(("name", "write", "expect"), FORMS, ids=[f[0] for f in FORMS])
def test_every_common_form_reads_as_a_date(name, write, expect):
    times = _times()
    frame = pl.DataFrame({"when": [write(t) for t in times], "n": [str(i) for i in range(60)]})
    out, facts, _, _ = decide_types(frame)
    assert out.schema["when"].is_temporal(), name
    assert out.get_column("when").to_list() == [expect(t) for t in times]
    assert out.schema["n"] == pl.Int64
    assert facts["datetime_forms"]["when"]["kind"] == "text"


def test_zones_are_recorded_and_times_normalised_to_utc():
    frame = pl.DataFrame({"when": ["2014-10-14T04:17:47+02:00", "2014-10-15T00:00:00+02:00"]})
    out, facts, _, _ = decide_types(frame)
    assert out.schema["when"] == pl.Datetime("us")  # naive, in UTC
    assert out["when"][0] == dt.datetime(2014, 10, 14, 2, 17, 47)
    assert facts["datetime_forms"]["when"]["zone"] == "+02:00"


def test_mixed_offsets_read_with_a_warning():
    frame = pl.DataFrame({"when": ["2014-10-14T04:17:47+02:00", "2014-10-14T04:17:47Z"]})
    out, facts, warnings, _ = decide_types(frame)
    assert out["when"].to_list() == [
        dt.datetime(2014, 10, 14, 2, 17, 47),
        BASE.replace(microsecond=0),
    ]
    assert facts["datetime_forms"]["when"]["zone"] == "mixed"
    assert any("different UTC offsets" in w for w in warnings)


def test_mixed_forms_in_one_column_are_read_and_counted():
    times = _times(30)
    values = [t.strftime("%Y-%m-%d %H:%M:%S") for t in times[:20]] + [
        t.strftime("%m/%d/%Y %I:%M %p") for t in times[20:]
    ]
    out, facts, warnings, _ = decide_types(pl.DataFrame({"when": values}))
    assert out.schema["when"] == pl.Datetime("us")
    assert out["when"].null_count() == 0
    form = facts["datetime_forms"]["when"]
    assert form["counts"] == [20, 10]
    warned = [w for w in warnings if "forms" in w]
    assert warned == [
        "column 'when': dates written in 2 forms (20 as yyyy-mm-dd HH:MM:SS.fff, "
        "10 as mm/dd/yyyy hh:MM AM/PM)"
    ]
    assert not any(v in w for v in values for w in warnings)  # forms and counts, never a value


def test_epoch_numbers_are_times_only_where_the_header_says_time():
    ms = [_epoch_ms(t) for t in _times()]
    frame = pl.DataFrame({"created_at": ms, "account_number": ms, "EventTime": ms})
    out, facts, _, _ = decide_types(frame)
    assert out.schema["created_at"] == pl.Datetime("us")
    assert out.schema["EventTime"] == pl.Datetime("us")
    assert out["created_at"][0] == BASE
    assert out.schema["account_number"] == pl.Int64  # a long number elsewhere is a key
    assert facts["datetime_forms"]["created_at"] == {"kind": "epoch", "unit": "ms"}


def test_an_epoch_neighbour_named_like_a_span_is_a_time_too():
    seconds = [str(int(t.replace(tzinfo=dt.UTC).timestamp())) for t in _times()]
    later = [str(int(s) + 3600) for s in seconds]
    out = infer_types(pl.DataFrame({"login_ts": seconds, "end": later, "score": later}))
    assert out.schema["login_ts"] == out.schema["end"] == pl.Datetime("us")
    assert out.schema["score"] == pl.Int64  # not a span word


def test_excel_serial_days_in_a_date_column():
    frame = pl.DataFrame({"admit_date": ["41926", "41927", "36526"], "amount": ["41926"] * 3})
    out = infer_types(frame)
    assert out["admit_date"].to_list() == [
        dt.date(2014, 10, 14),
        dt.date(2014, 10, 15),
        dt.date(2000, 1, 1),
    ]
    assert out.schema["amount"] == pl.Int64


def test_dates_written_as_digits_in_a_date_column():
    """YYYYMMDD (SAS, banks) and YYMMDD (the Berka bank export) read as dates, and written back."""
    frame = pl.DataFrame(
        {
            "trans_date": ["20141014", "19991231", "20000229"],
            "date": ["930101", "981231", "960229"],
            "birth_number": ["706213", "450204", "406009"],  # months + 50 for women
            "amount": ["20141014", "19991231", "20000229"],
            "visit_date": ["20141014", "20140231", "20000229"],  # no 31 February
        }
    )
    out, facts, warnings, _ = decide_types(frame)
    assert out["trans_date"].to_list() == [
        dt.date(2014, 10, 14),
        dt.date(1999, 12, 31),
        dt.date(2000, 2, 29),
    ]
    assert out["date"].to_list() == [
        dt.date(1993, 1, 1),
        dt.date(1998, 12, 31),
        dt.date(1996, 2, 29),
    ]
    assert out.schema["birth_number"] == out.schema["amount"] == pl.Int64
    assert out.schema["visit_date"] == pl.Int64
    assert "1930-1999" in facts["datetime_forms"]["date"]["century"]
    assert any("'trans_date': dates written as digits (YYYYMMDD)" in w for w in warnings)
    written = dates.write_back(out, facts["datetime_forms"])
    assert written.select("trans_date", "date").cast(pl.String).to_dict(as_series=False) == {
        "trans_date": ["20141014", "19991231", "20000229"],
        "date": ["930101", "981231", "960229"],
    }


def test_two_digit_years_follow_the_spreadsheet_rule_and_say_so():
    frame = pl.DataFrame({"DOB": ["3/5/94 0:00", "8/28/26 0:00", "1/1/30 0:00"]})
    out, facts, warnings, _ = decide_types(frame)
    assert [d.year for d in out["DOB"]] == [1994, 2026, 1930]
    assert "1930-1999" in facts["two_digit_years"]["DOB"]
    assert any("two-digit years" in w for w in warnings)


def test_two_digit_years_are_anchored_on_the_rows_four_digit_dates():
    frame = pl.DataFrame(
        {
            "DOB": ["3/5/94 0:00", "6/5/90 0:00"],
            "DOD": ["8/12/65 0:00", "8/28/26 0:00"],
            "INTIME": ["2164-10-23 21:10:15", "2126-08-14 22:34:00"],
        }
    )
    out, facts, _, _ = decide_types(frame)
    assert [d.year for d in out["DOB"]] == [2094, 2090]
    assert [d.year for d in out["DOD"]] == [2165, 2126]
    assert "latest four-digit date" in facts["two_digit_years"]["DOB"]


def test_a_cell_outside_the_sampled_forms_leaves_the_column_as_text():
    # more distinct values than the form sample sees, one of them not a date at all
    values = [(dt.date(1990, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(4000)]
    values[3999] = "2014-13-45"
    out, facts, warnings, _ = decide_types(pl.DataFrame({"when": values}))
    assert out.schema["when"] == pl.String
    assert "2014-13-45" not in " ".join(warnings)


@pytest.mark.parametrize(
    "values",
    [
        ["2014-10-14T04:17:47Z", "2015-01-02T10:00:00Z"],
        ["2014-10-14T04:17:47.250Z", "2015-01-02T10:00:00.125Z"],
        ["2014-10-14T04:17:47+02:00", "2015-01-02T10:00:00+02:00"],
        ["10/14/2014 04:17 PM", "01/02/2015 10:00 AM"],
        ["14 Oct 2014", "02 Jan 2015"],
        ["14.10.2014", "02.01.2015"],
        # the zone as written, its space too (a tweet archive's +0000 came back as Z)
        ["2017-08-01 16:23:56 +0000", "2017-07-01 00:17:27 +0000"],
        ["2014-10-14T04:17:47+02", "2015-01-02T10:00:00+02"],
        ["2014-10-14T04:17:47+0530", "2015-01-02T10:00:00+0530"],
        ["Tue, 14 Oct 2014 04:17:47 +0000", "Fri, 02 Jan 2015 10:00:00 +0000"],
    ],
)
def test_dates_are_written_back_as_they_were_read(values):
    out, facts, _, _ = decide_types(pl.DataFrame({"when": values}))
    written = dates.write_back(out, facts["datetime_forms"])
    assert written["when"].to_list() == values


def test_epoch_and_excel_are_written_back_as_numbers():
    ms = [_epoch_ms(t) for t in _times(3)]
    out, facts, _, _ = decide_types(
        pl.DataFrame({"updated_at": ms, "visit_date": ["41926", "41927", "3"]})
    )
    assert out.schema["visit_date"] == pl.Int64  # 3 is no plausible Excel date: kept a number
    written = dates.write_back(out, facts["datetime_forms"])
    assert written["updated_at"].cast(pl.String).to_list() == ms


def test_header_words():
    assert dates.says_time("createdAt") and dates.says_time("event_time")
    assert dates.says_date("DOB") and dates.says_date("AdmitDate")
    assert not dates.says_time("account_number") and not dates.says_date("amount")


def test_a_plan_read_elsewhere_reads_digit_dates_as_one_run_does():
    """The Spark path applies the casts chosen on a sample to each part, as text."""
    from synthpriv.io.read import plan_types

    text = pl.DataFrame({"date": ["930101", "981231"], "trans_date": ["20141014", "19991231"]})
    plan = plan_types(text)
    assert text.select(plan.casts["date"], plan.casts["trans_date"]).to_dict(as_series=False) == {
        "date": [dt.date(1993, 1, 1), dt.date(1998, 12, 31)],
        "trans_date": [dt.date(2014, 10, 14), dt.date(1999, 12, 31)],
    }


def test_columns_decided_and_cast_a_slice_at_a_time_read_as_read_whole(monkeypatch):
    # large columns are checked, made distinct and cast a slice at a time: the same types,
    # values, facts and warnings as at once
    from synthpriv.io import dates as dates_module
    from synthpriv.io import read

    n = 41
    frame = pl.DataFrame(
        {
            "count": [str(i) if i % 7 else "NA" for i in range(n)],
            "price": [f"{i}.5" if i % 5 else " 3 " for i in range(n)],
            "flag": ["true" if i % 2 else "FALSE" for i in range(n)],
            "seen": [f"2020-01-{1 + i % 28:02d} 10:00:0{i % 10}.{i:03d}" for i in range(n)],
            "when": [
                f"{1 + i % 28:02d}/03/2021" if i % 3 else f"2021-03-{1 + i % 28:02d}"
                for i in range(n)
            ],
            "ssn": ["4.5E+15" if i % 4 else "123456789012" for i in range(n)],
            "name": ["" if i % 6 == 0 else f" x{i}" for i in range(n)],
        }
    )
    whole = read.decide_types(frame)
    monkeypatch.setattr(read, "CAST_ROWS", 4)
    monkeypatch.setattr(dates_module, "_DISTINCT_ROWS", 5)
    sliced = read.decide_types(frame)
    assert sliced.frame.equals(whole.frame) and sliced.frame.schema == whole.frame.schema
    assert sliced.facts == whole.facts and sliced.warnings == whole.warnings
    assert whole.frame.schema["count"] == pl.Int64 and whole.frame.schema["flag"] == pl.Boolean
    assert whole.frame.schema["seen"] == pl.Datetime("us")
    assert whole.facts["missing_tokens"] == {"count": 6}
