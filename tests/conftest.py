import numpy as np
import pandas as pd
import pytest
import torch

# One thread: on a small shared machine it is faster and makes timings of the suite stable.
torch.set_num_threads(1)


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
