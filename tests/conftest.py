import os

# One thread for torch and for the BLAS libraries, set before numpy and scipy load theirs (the
# benchmarks the tests run inherit it): on a small shared machine it is faster and makes timings
# of the suite stable. With one test process per core (pytest -n auto), BLAS threads on top made
# statsmodels' small matrix products far slower (a 0.5 s auto-ARIMA test took 36 s).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

torch.set_num_threads(1)
_ONE_THREAD = threadpool_limits(1)  # libraries a plugin loaded before this file


@pytest.fixture
def atol():
    """Tolerance for results that agree exactly up to float rounding, on the default device.

    On CUDA (``device="auto"`` picks it), cuDNN chooses kernels by shape, convolutions use
    TF32 and some backward passes are not deterministic, so equalities that hold to 1e-6 on
    the CPU hold to about 1e-4 there.
    """
    return 2e-4 if torch.cuda.is_available() else 1e-6


@pytest.fixture
def seasonal_series():
    """A noisy monthly series with trend and a yearly cycle (seasonal naive MASE ≈ 1 here)."""
    rng = np.random.default_rng(0)
    t = np.arange(144)
    values = 10 + 0.05 * t + 3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.3, t.size)
    index = pd.date_range("2000-01-01", periods=t.size, freq="MS")
    return pd.Series(values, index=index, name="sales")
