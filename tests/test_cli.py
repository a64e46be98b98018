import pandas as pd

from tsrnn.cli import main
from tsrnn.datasets import load_airpassengers


def test_forecast_csv_in_csv_out(tmp_path):
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
