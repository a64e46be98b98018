import numpy as np
import pandas as pd
import pytest

from tsrnn.cli import main
from tsrnn.datasets import load_airpassengers


def test_forecast_csv_in_csv_out(tmp_path, capsys):
    y = load_airpassengers()
    csv = tmp_path / "data.csv"
    pd.DataFrame({"ds": y.index, "y": y.to_numpy()}).to_csv(csv, index=False)
    out = tmp_path / "forecast.csv"
    args = ["forecast", str(csv), "--time-column", "ds", "--value-column", "y", "--horizon", "12",
            "--model", "seasonal_naive", "-o", str(out)]
    assert main(args) == 0
    forecast = pd.read_csv(out, index_col=0, parse_dates=True)
    assert len(forecast) == 12 and str(forecast.index[0].date()) == "1961-01-01"
    assert forecast["y"].tolist() == y[-12:].tolist()
    # printed: the value column keeps its name in the header (a Series printed only "ds")
    assert main(args[:-2]) == 0
    header, first = capsys.readouterr().out.splitlines()[:3:2]
    assert header.split() == ["y"] and first.split() == ["1961-01-01", "417.0"]


def test_a_csv_of_a_time_zone_across_dst_is_read_in_utc(tmp_path, capsys):
    # to_csv writes +01:00 then +02:00: pandas refused the mixed offsets ("pass utc=True")
    stamps = pd.date_range("2024-03-29", periods=96, freq="h", tz="Europe/Berlin", name="ds")
    pd.Series(np.arange(96.0) % 24, index=stamps, name="y").to_csv(tmp_path / "load.csv")
    out = tmp_path / "f.csv"
    assert main(["forecast", str(tmp_path / "load.csv"), "--horizon", "3", "--model",
                 "seasonal_naive", "-o", str(out)]) == 0
    forecast = pd.read_csv(out, index_col=0)
    assert list(forecast.index) == [str(t) for t in pd.date_range(
        stamps[-1].tz_convert("UTC"), periods=4, freq="h")[1:]]
    days = pd.date_range("2024-03-20", periods=30, freq="D", tz="Europe/Berlin", name="ds")
    pd.Series(np.arange(30.0) % 7, index=days, name="y").to_csv(tmp_path / "daily.csv")
    assert main(["forecast", str(tmp_path / "daily.csv"), "--horizon", "3", "--model",
                 "seasonal_naive", "-o", str(out)]) == 0  # midnights: local dates, not UTC 22:00
    forecast = pd.read_csv(out, index_col=0)
    assert list(forecast.index) == ["2024-04-19", "2024-04-20", "2024-04-21"]
    assert forecast["y"].tolist() == [2.0, 3.0, 4.0]
    pd.Series(np.arange(29.0), index=days.delete(10), name="y").to_csv(tmp_path / "gap.csv")
    with pytest.raises(SystemExit, match=r"1 time stamp.s. of frequency D are missing .e.g. "
                                         r"\['2024-03-30"):  # counted 18 in UTC
        main(["forecast", str(tmp_path / "gap.csv"), "--freq", "D"])


def test_evaluate_prints_both_models_and_mase(capsys):
    assert main(["evaluate", "--dataset", "airpassengers", "--models", "seasonal_naive", "arima"]) == 0
    out = capsys.readouterr().out
    assert "seasonal_naive" in out and "arima" in out and "MASE" in out
    assert "1.571" in out  # seasonal naive's MASE on the last year (FINDINGS.md: 1.571)


def test_evaluate_a_panel_reports_mean_mase(capsys):
    assert main(["evaluate", "--dataset", "m1_yearly", "--horizon", "6",
                 "--models", "seasonal_naive"]) == 0
    out = capsys.readouterr().out
    assert "of every series held out" in out
    assert "4.894" in out  # M1 yearly, naive, last 6 years (FINDINGS.md: 4.894)


def test_an_integer_time_column_and_several_value_columns(tmp_path, capsys):
    csv = tmp_path / "yearly.csv"
    pd.DataFrame({"year": range(1950, 2000), "a": [float(i % 7) for i in range(50)],
                  "b": [float(i) for i in range(50)]}).to_csv(csv, index=False)
    out = tmp_path / "forecast.csv"
    assert main(["forecast", str(csv), "--time-column", "year", "--value-column", "b",
                 "--horizon", "3", "--model", "seasonal_naive", "-o", str(out)]) == 0
    forecast = pd.read_csv(out, index_col=0)
    assert forecast.index.tolist() == [2000, 2001, 2002] and forecast["b"].tolist() == [49.0] * 3
    assert main(["evaluate", str(csv), "--time-column", "year", "--value-column", "a",
                 "--value-column", "b", "--horizon", "3", "--models", "seasonal_naive"]) == 0
    printed = capsys.readouterr().out
    assert "actual a" in printed and "seasonal_naive b" in printed and "1997" in printed
    # years written as floats (1950.0, as pandas writes a column that once held NaN) were read
    # as nanoseconds since 1970; whole numbers are steps, others refused
    pd.read_csv(csv).astype({"year": float}).to_csv(csv, index=False)
    assert main(["forecast", str(csv), "--time-column", "year", "--value-column", "b",
                 "--horizon", "3", "--model", "seasonal_naive", "-o", str(out)]) == 0
    assert pd.read_csv(out, index_col=0).index.tolist() == [2000, 2001, 2002]
    pd.read_csv(csv).assign(year=lambda f: f.year + 0.5).to_csv(csv, index=False)
    with pytest.raises(SystemExit, match="time column 'year' holds numbers that are not whole"):
        main(["forecast", str(csv), "--time-column", "year"])
    # a saved pandas index (a column without a header) was forecast as data
    pd.read_csv(csv).to_csv(csv)
    with pytest.raises(SystemExit, match=r"without a header \['Unnamed: 0'\] .*--value-column"):
        main(["forecast", str(csv), "--time-column", "year"])


@pytest.mark.parametrize("rows, args, message", [
    (["2020-01-01,1", "2020-01-02,2", "2020-01-02,3", "2020-01-04,4"], [],
     r"duplicated stamps \(e.g. \['2020-01-02 00:00:00'\]\); aggregate them"),
    (["2020-01-01,1", "2020-01-02,2", "2020-01-05,3", "2020-01-06,4", "2020-01-07,4"],
     ["--freq", "D"], r"2 time stamp\(s\) of frequency D are missing \(e.g. \['2020-01-03"),
    (["2020-01-01,1", "2020-01-02,2", ",3", "2020-01-04,4"], ["--freq", "D"],  # was "0 missing"
     r"time column 'ds' has 1 empty cell\(s\) \(the first in data row 3\)"),
    (["2001,1", "2002,2", "2003,3"], ["--freq", "YS"],  # was ignored
     r"--freq YS is for dates, but the time column 'ds' holds whole numbers"),
    (["2021-W01,1", "2021-W02,2", "2021-W03,3"], [],  # was pandas' own message
     r"values are not dates pandas can read \(e.g. '2021-W01'.*write them as 2021-01-31"),
    (["2021-01-01,1", "2021-02-01,2", "2021-13-45,3"], [],  # the unreadable one, not the first
     r"values are not dates pandas can read \(e.g. '2021-13-45'"),
    ([f"2020-01-{d:02d},{d}" for d in range(1, 11)], ["--horizon", "0"],
     "horizon == 0, must be >= 1"),  # the library's refusal, as an error line
])
def test_bad_csv_input_ends_in_one_error_line(tmp_path, rows, args, message):
    csv = tmp_path / "data.csv"
    csv.write_text("\n".join(["ds,y", *rows]) + "\n")
    with pytest.raises(SystemExit, match=message):
        main(["forecast", str(csv), "--model", "seasonal_naive", *args])
    with pytest.raises(SystemExit, match="error: no file .*missing.csv"):
        main(["forecast", str(tmp_path / "missing.csv")])
    with pytest.raises(SystemExit, match="--horizon 0 must be at least 1$"):
        main(["evaluate", "--dataset", "lynx", "--horizon", "0", "--models", "seasonal_naive"])


def test_cli_refusals_name_the_option_that_fixes_them(tmp_path):
    """A value column that is the time column gave a KeyError traceback; a text column was told
    to use pd.to_numeric; a horizon too long said "must be at least 1"."""
    csv = tmp_path / "data.csv"
    csv.write_text("ds,y,z\n2000-01-01,1,a\n2000-02-01,2,b\n2000-03-01,3,c\n2000-04-01,4,d\n")
    forecast = ["forecast", str(csv), "--model", "seasonal_naive", "--horizon", "1"]
    with pytest.raises(SystemExit, match="error: --value-column ds is not a column of values"):
        main([*forecast, "--value-column", "ds"])
    with pytest.raises(SystemExit, match=r"error: column 'z' of .* holds text that is not a "
                                         r"number \('a' in data row 1\); name the columns to "
                                         "forecast with --value-column"):
        main(forecast)
    thousands = tmp_path / "thousands.csv"
    thousands.write_text('ds,y\n2000-01-01,1\n2000-02-01,"1,234"\n2000-03-01,3\n2000-04-01,4\n')
    with pytest.raises(SystemExit, match=r"\('1,234' in data row 2\); fix that cell in the file "
                                         r"\(a thousands separator"):  # not --value-column again
        main(["forecast", str(thousands), "--model", "seasonal_naive", "--value-column", "y"])
    with pytest.raises(SystemExit, match=r"--horizon 4 leaves no training data: the series has 4 "
                                         r"point\(s\)"):
        main(["evaluate", str(csv), "--value-column", "y", "--horizon", "4", "--models",
              "seasonal_naive"])


def test_a_panel_csv_is_forecast_series_by_series(tmp_path, capsys):
    from tsrnn.datasets import load_m1_yearly

    panel = load_m1_yearly()
    csv, out = tmp_path / "m1.csv", tmp_path / "f.csv"
    panel.sample(frac=1, random_state=0).to_csv(csv, index=False, sep=";")
    assert main(["forecast", str(csv), "--sep", ";", "--horizon", "2", "--model",
                 "seasonal_naive", "-o", str(out)]) == 0
    forecast = pd.read_csv(out, parse_dates=["ds"], sep=";")  # the input's separator
    assert list(forecast.columns) == ["unique_id", "ds", "y"] and len(forecast) == 2 * 181
    named = tmp_path / "named.csv"  # the forecast keeps the file's column names
    panel.rename(columns={"ds": "date", "y": "sales"}).to_csv(named, index=False)
    assert main(["forecast", str(named), "--time-column", "date", "--horizon", "2", "--model",
                 "seasonal_naive", "-o", str(out)]) == 0
    assert list(pd.read_csv(out).columns) == ["unique_id", "date", "sales"]
    last = panel.sort_values("ds").groupby("unique_id").tail(1).set_index("unique_id")
    first = forecast.groupby("unique_id").head(1).set_index("unique_id")
    assert (first["y"] == last.loc[first.index, "y"]).all()  # naive: each series' own last value
    assert (first["ds"].dt.year == last.loc[first.index, "ds"].dt.year + 1).all()
    assert main(["evaluate", str(csv), "--sep", ";", "--horizon", "6", "--models",
                 "seasonal_naive"]) == 0
    assert "4.894" in capsys.readouterr().out  # as --dataset m1_yearly
    with pytest.raises(SystemExit, match="not in .*m1.csv.*pass --sep"):
        main(["forecast", str(csv)])
    with pytest.raises(SystemExit, match="2"):  # argparse's usage error
        main(["forecast", str(csv), "--threads", "0"])
    with pytest.raises(SystemExit, match="--freq is for single-series files"):
        main(["forecast", str(csv), "--sep", ";", "--freq", "YS"])
    panel.assign(y=panel.y.where(panel.index != 4)).sample(frac=1, random_state=0).to_csv(
        csv, index=False)
    with pytest.raises(SystemExit, match=r"1 empty value\(s\) \(the first in data row 1233\); fill "
                                         "them in the file"):
        main(["forecast", str(csv)])


def test_panel_ids_are_read_as_text_and_weekly_periods_as_dates(tmp_path):
    # ids "001", "01" and "1" used to be read as numbers: "001" came back as 1, "01" and "1"
    # were merged into one series
    stamps = [str(d.date()) for d in pd.date_range("2021-01-01", periods=24, freq="MS")]
    ids = ["001", "01", "1", "NA"]  # "NA" (Namibia) was read as a missing id
    csv, out = tmp_path / "ids.csv", tmp_path / "out.csv"
    pd.DataFrame({"unique_id": np.repeat(ids, 24), "ds": stamps * 4,
                  "y": np.arange(96.0)}).to_csv(csv, index=False)
    assert main(["forecast", str(csv), "--horizon", "1", "--model", "seasonal_naive",
                 "-o", str(out)]) == 0
    forecast = pd.read_csv(out, dtype={"unique_id": str}, keep_default_na=False)
    assert forecast["unique_id"].tolist() == ids
    assert forecast["y"].tolist() == [12.0, 36.0, 60.0, 84.0]
    csv.write_text(csv.read_text().replace("\n001,", "\n,", 1))  # an empty id is missing
    with pytest.raises(SystemExit, match=r"unique_id column is missing at row\(s\) \[0\]"):
        main(["forecast", str(csv), "--model", "seasonal_naive"])
    # a weekly PeriodIndex as to_csv writes it ("2021-01-04/2021-01-10"): its weeks' first days
    pd.Series(np.arange(60.0), pd.period_range("2021-01-04", periods=60, freq="W-SUN",
                                               name="ds"), name="y").to_csv(csv)
    assert main(["forecast", str(csv), "--horizon", "2", "--model", "seasonal_naive",
                 "-o", str(out)]) == 0
    forecast = pd.read_csv(out, index_col=0, parse_dates=True)
    assert forecast.index.strftime("%Y-%m-%d").tolist() == ["2022-02-28", "2022-03-07"]
    assert forecast["y"].tolist() == [8.0, 9.0]  # a year (52 weeks) back


def test_day_first_dates_are_read_with_dayfirst(tmp_path, capsys):
    days = pd.date_range("2020-01-01", periods=36, freq="MS")
    csv = tmp_path / "eu.csv"
    pd.DataFrame({"ds": days.strftime("%d/%m/%Y"), "y": np.arange(36.0)}).to_csv(csv,
                                                                               index=False)
    with pytest.raises(SystemExit, match="or --dayfirst if its dates are written day first"):
        main(["forecast", str(csv)])  # read month first: 01/02 is 2 January, not regular
    assert main(["forecast", str(csv), "--dayfirst", "--horizon", "2", "--model",
                 "seasonal_naive"]) == 0
    out = capsys.readouterr().out
    assert "2023-01-01" in out and "2023-02-01" in out


def test_spreadsheet_csv_quirks_are_read(tmp_path, capsys):
    """Files the command line could not forecast: dates written 20240131 (read as whole steps:
    20240132 came after 20240131, and the week's pattern was lost), monthly stamps on the 15th
    (no frequency pandas infers, and --freq MS refused them), a trailing separator on each row
    (the values moved into the time column: "30 empty values"), decimal commas (the hint
    pointed at --value-column), and -o into a missing folder (a traceback, after the fit)."""
    days = pd.date_range("2024-01-01", periods=60, freq="D")
    week = np.tile([10.0, 20, 30, 40, 50, 5, 5], 9)[:60]

    def forecast(name, rows, *args):
        (tmp_path / name).write_text(rows)
        assert main(["forecast", str(tmp_path / name), "--model", "seasonal_naive", *args]) == 0
        return [line.split() for line in capsys.readouterr().out.splitlines()[2:]]

    compact = "ds,y\n" + "".join(f"{d:%Y%m%d},{v}\n" for d, v in zip(days, week))
    assert forecast("compact.csv", compact, "--horizon", "3") == [
        ["2024-03-01", "50.0"], ["2024-03-02", "5.0"], ["2024-03-03", "5.0"]]
    mid = pd.date_range("2018-01-15", periods=30, freq=pd.DateOffset(months=1))
    monthly = "ds,y\n" + "".join(f"{d.date()},{i}\n" for i, d in enumerate(mid))
    assert forecast("mid.csv", monthly, "--horizon", "2") == [
        ["2020-07-15", "18.0"], ["2020-08-15", "19.0"]]  # (12 months back: 18, 19)
    panel = "unique_id,ds,y\n" + "".join(f"{u},{d.date()},{k * i}\n" for u, k in (("a", 1),
                                          ("b", 2)) for i, d in enumerate(mid))
    # a panel was refused (no frequency to infer); it prints one header line, so the helper's
    # cut of two leaves series b's row
    assert forecast("mid_panel.csv", panel, "--horizon", "1") == [["b", "2020-07-15", "36.0"]]
    trailing = "ds,y\n" + "".join(f"{d.date()},{v},\n" for d, v in zip(days, week))
    assert forecast("trail.csv", trailing, "--horizon", "1") == [["2024-03-01", "50.0"]]
    # the header's too: "column(s) without a header ['Unnamed: 2'] (a saved pandas index?"
    assert forecast("trail2.csv", "ds,y," + trailing[4:], "--horizon", "1") == [
        ["2024-03-01", "50.0"]]
    comma = "ds;y\n" + "".join(f"{d.date()};{str(v).replace('.', ',')}\n"
                               for d, v in zip(days, week + 0.5))
    (tmp_path / "comma.csv").write_text(comma)
    with pytest.raises(SystemExit, match=r"holds text that is not a number \('10,5' in data row "
                                         r"1\); .*; if its decimal separator is a comma, pass "
                                         r"--decimal ','"):
        main(["forecast", str(tmp_path / "comma.csv"), "--sep", ";"])
    assert forecast("comma.csv", comma, "--sep", ";", "--decimal", ",", "--horizon", "1") == [
        ["2024-03-01", "50.5"]]
    out = tmp_path / "f.csv"  # written back as it was read
    assert main(["forecast", str(tmp_path / "comma.csv"), "--sep", ";", "--decimal", ",",
                 "--horizon", "1", "--model", "seasonal_naive", "-o", str(out)]) == 0
    assert out.read_text().splitlines() == ["ds;y", "2024-03-01;50,5"]
    with pytest.raises(SystemExit, match="the folder of -o .* does not exist; create it first"):
        main(["forecast", str(tmp_path / "trail.csv"), "-o", str(tmp_path / "no" / "f.csv")])
