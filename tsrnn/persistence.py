"""Save and load fitted estimators without pickle: tensors plus plain JSON.

A model file is one ``torch.save`` archive holding only tensors, strings and numbers: the
network weights and numeric fitted arrays as tensors, the estimator's class, parameters and
other fitted state as a JSON document, a format version, the tsrnn version that wrote it and a
SHA-256 digest of the content (it catches truncation, corruption and accidental edits; it is not
a signature against deliberate tampering, which the loader's refusal to run code guards
against). :func:`load` reads it with ``torch.load(weights_only=True)``, so no
object is ever unpickled and no code in the file can run; it rebuilds the network from the
recorded architecture, checks the digest and maps GPU weights to the CPU when no GPU is present.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import inspect
import json
import os
import pickle
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ._pandas import _WALL_CLOCK, SeriesFormat, _datetime_freq

FORMAT = "tsrnn-model"
FORMAT_VERSION = 2  # 2: a regular time index as its first stamp and length (1: every stamp)
_CLASSES = (  # the estimators a file may name; nothing else is ever constructed on load
    "tsrnn.forecasting.RNNForecaster",
    "tsrnn.forecasting.LSTMForecaster",
    "tsrnn.forecasting.GRUForecaster",
    "tsrnn.sequence.SequenceClassifier",
    "tsrnn.sequence.SequenceRegressor",
    "tsrnn.text.CharLanguageModel",
)
# Parameters added after files and pickles were first written, with the value that reproduces
# the behaviour of one that lacks them (the defaults may differ).
_ADDED_PARAMS = {"average_last": None, "level_input": False}


def with_added_params(cls: type, params: dict) -> dict:
    """``params`` (or a pickled ``__dict__``) completed with the parameters of ``cls`` that were
    added after it was written, at their old behaviour."""
    accepted = inspect.signature(cls).parameters
    return {**{k: v for k, v in _ADDED_PARAMS.items() if k in accepted}, **params}


def save(estimator: BaseEstimator, path: str | os.PathLike) -> None:
    """Write a fitted tsrnn estimator to ``path`` (tensors + JSON, no pickle).

    Parameters
    ----------
    estimator : fitted RNNForecaster, LSTMForecaster, GRUForecaster, SequenceClassifier,
        SequenceRegressor or CharLanguageModel
    path : str, path-like or binary file object
        The model file.

    Raises
    ------
    TypeError
        For estimators whose state is not plain data (ARIMA, ETS: save those with joblib, and
        load such pickles only from sources you trust).
    """
    tensors: dict[str, torch.Tensor] = {}
    meta = json.dumps(_encode_estimator(estimator, tensors, ""))
    from . import __version__

    torch.save(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "tsrnn_version": __version__,
            "meta": meta,
            "tensors": tensors,
            "sha256": _digest(meta, tensors),
        },
        path,
    )


def _name(path) -> str:
    """How errors name a model file: its path, or a file object's name ("the file" without)."""
    if hasattr(path, "read"):
        return repr(path.name) if isinstance(getattr(path, "name", None), str) else "the file"
    return repr(os.fspath(path))


def _refuse_pickle(path: str | os.PathLike) -> None:
    """Name a pickle (``pickle.dump``, ``joblib.dump``) for what it is: torch.load called it
    corrupted or crafted, and quoted torch's advice to unpickle it."""
    try:
        if hasattr(path, "read"):  # a file object, as save and torch.load take: read, go back
            where = path.tell()
            head = path.read(2)
            path.seek(where)
        else:
            with open(path, "rb") as file:
                head = file.read(2)
    except (OSError, TypeError, ValueError):
        return  # torch.load reports it
    if len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5:  # a pickle's protocol opcode
        raise ValueError(
            f"{_name(path)} is a pickle (written by pickle.dump or joblib.dump), not a "
            "file written by save; read it with joblib.load or pickle.load, and only if you "
            "trust where it came from: unpickling can run code. Nothing in it was run."
        )


def load(path: str | os.PathLike) -> BaseEstimator:
    """Read an estimator written by its ``save`` method (``estimator.save(path)``).

    Only tensors and plain data are read (``torch.load(weights_only=True)``); a file holding
    anything else is refused before any of it runs. Weights saved on a GPU are loaded on the CPU
    when no GPU is available.

    Parameters
    ----------
    path : str, path-like or binary file object
        The model file (a file object, e.g. ``io.BytesIO``, is read from its position).

    Returns
    -------
    estimator
        Fitted, predicting exactly as the saved one did.

    Raises
    ------
    ValueError
        The file is truncated, corrupted, altered after saving, not a tsrnn model, or written by
        a newer format version.
    """
    _refuse_pickle(path)
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise ValueError(
            f"{_name(path)} was refused: it is corrupted, or holds objects other than "
            "tensors and plain data, which tsrnn never writes (a file crafted to run code on "
            f"load looks like this). Nothing in it was run. Details: {str(exc).splitlines()[0]}"
        ) from None
    except FileNotFoundError:
        raise
    except Exception as exc:  # torch raises RuntimeError, EOFError, zip errors, ... here
        raise ValueError(
            f"{_name(path)} is not a readable tsrnn model file (truncated or corrupted?): "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from None
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise ValueError(f"{_name(path)} is not a tsrnn model file (no {FORMAT!r} header).")
    version = blob.get("format_version")
    if type(version) is not int or version > FORMAT_VERSION:
        raise ValueError(
            f"{_name(path)} has format version {version!r}, newer than this tsrnn reads "
            f"({FORMAT_VERSION}); it was written by tsrnn {blob.get('tsrnn_version')}: upgrade "
            "tsrnn to load it."
        )
    meta, tensors = blob.get("meta"), blob.get("tensors")
    if not (isinstance(meta, str) and isinstance(tensors, dict)
            and all(isinstance(t, torch.Tensor) for t in tensors.values())):
        raise ValueError(f"{_name(path)} is incomplete: its content was altered.")
    if _digest(meta, tensors) != blob.get("sha256"):
        raise ValueError(
            f"{_name(path)} was altered after it was saved (its SHA-256 digest does not "
            "match); save the model again from its source."
        )
    try:
        return _decode_estimator(json.loads(meta), tensors)
    except (KeyError, TypeError, AttributeError, IndexError, ValueError) as exc:
        raise ValueError(
            f"{_name(path)} is malformed: its content does not describe a fitted tsrnn "
            f"estimator ({type(exc).__name__}: {exc}). It was not written by tsrnn's save, or "
            "was edited; save the model again from its source."
        ) from None


class SaveMixin:
    """``save(path)`` for the estimators :func:`load` reads back."""

    def save(self, path: str | os.PathLike) -> None:
        """Write the fitted estimator to ``path`` as tensors and JSON (no pickle).

        Read it back with :func:`tsrnn.load`, which never unpickles anything. The file also
        records its format version and the tsrnn version that wrote it.

        Parameters
        ----------
        path : str or path-like
            The file to write (replaced if it exists).
        """
        save(self, path)


def _digest(meta: str, tensors: dict[str, torch.Tensor]) -> str:
    h = hashlib.sha256(meta.encode())
    for key in sorted(tensors):
        t = tensors[key]
        h.update(f"{key}:{t.dtype}:{tuple(t.shape)}".encode())
        h.update(t.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def _class_name(obj) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _encode_estimator(est: BaseEstimator, tensors: dict, prefix: str) -> dict:
    name = _class_name(est)
    if name not in _CLASSES:
        raise TypeError(
            f"{type(est).__name__} cannot be saved without pickle; save it with joblib.dump "
            "instead, and load such files only from sources you trust."
        )
    check_is_fitted(est)
    params = est.get_params(deep=False)
    if not isinstance(params.get("random_state"), (int, np.integer, type(None))):
        params["random_state"] = None  # a RandomState instance only mattered for fitting
    state = {k: v for k, v in vars(est).items() if k not in params}
    module = state.pop("module_", None)
    doc = {
        "class": name,
        "prefix": prefix,  # of its tensors' keys
        "params": _encode(params, tensors, prefix),
        "state": _encode(state, tensors, prefix),
    }
    if module is not None:
        for key, value in module.state_dict().items():
            tensors[f"{prefix}module.{key}"] = value.detach().cpu().clone()
    return doc


def _decode_estimator(doc: dict, tensors: dict) -> BaseEstimator:
    name, prefix = doc.get("class"), doc.get("prefix", "")
    if name not in _CLASSES:
        raise ValueError(f"the file names class {name!r}, which is not a tsrnn estimator.")
    module_name, cls_name = name.rsplit(".", 1)
    cls = getattr(importlib.import_module(module_name), cls_name)
    est = cls(**with_added_params(cls, _decode(doc["params"], tensors)))
    for key, value in _decode(doc["state"], tensors).items():
        setattr(est, key, value)
    weights = {k[len(prefix) + 7 :]: v for k, v in tensors.items()
               if k.startswith(f"{prefix}module.")}
    if weights:
        if getattr(est, "device_", None) is not None and not available(est.device_):
            est.device_ = torch.device("cpu")
        try:
            from ._training import own_rng  # (imports this module)

            with own_rng():  # its initial weights are overwritten:
                module = est._make_module(**est._module_spec)  # leave the caller's RNG alone
            module = module.float()  # as trained, whatever torch's default dtype
        except TypeError as exc:  # a network layout this version no longer builds
            raise ValueError(
                f"the saved network's layout ({exc}) is not one this tsrnn builds (written by an "
                "older version?); refit the estimator and save it again."
            ) from None
        try:
            module.load_state_dict(weights)
        except RuntimeError as exc:
            raise ValueError(
                f"the saved weights do not fit the recorded network: {str(exc).splitlines()[0]}"
            ) from None
        est.module_ = module.to(est.device_).eval()
    return est


def available(device: torch.device) -> bool:
    """Whether ``device`` exists on this machine (the CPU, or a GPU index it has)."""
    return device.type == "cpu" or (
        torch.cuda.is_available() and (device.index or 0) < torch.cuda.device_count())


def _tensor_ref(value: torch.Tensor, tensors: dict, prefix: str) -> str:
    key = f"{prefix}state.{len(tensors)}"
    tensors[key] = value.detach().cpu().clone()
    return key


def _encode(value: Any, tensors: dict, prefix: str) -> Any:
    """A JSON-ready form of ``value``; numeric arrays go to ``tensors``."""
    if value is None or isinstance(value, (bool, int, float, str)) and not isinstance(
            value, np.generic):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in "biufcU":  # not datetime64
        return {"__scalar__": value.item(), "dtype": value.dtype.str}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf" and value.dtype.isnative:
        ref = _tensor_ref(torch.from_numpy(np.array(value)), tensors, prefix)  # writable copy
        return {"__array__": ref, "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, np.ndarray) and value.dtype.kind in "UO" and value.ndim == 1:
        return {"__ndarray__": _encode(value.tolist(), tensors, prefix),
                "dtype": value.dtype.str if value.dtype.kind == "U" else "object"}
    if isinstance(value, torch.Tensor):
        return {"__tensor__": _tensor_ref(value, tensors, prefix)}
    if isinstance(value, torch.device):
        return {"__device__": str(value)}
    if isinstance(value, list):
        return [_encode(v, tensors, prefix) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, tensors, prefix) for v in value]}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: _encode(v, tensors, prefix) for k, v in value.items()}  # plain JSON
        return {"__dict__": [[_encode(k, tensors, prefix), _encode(v, tensors, prefix)]
                             for k, v in value.items()]}
    if isinstance(value, pd.Timestamp):
        return _restorable(value, {"__timestamp__": value.isoformat(), "unit": value.unit,
                                   "tz": None if value.tz is None else str(value.tz)})
    if isinstance(value, pd.Period):
        return _restorable(value, {"__period__": str(value), "freq": value.freqstr})
    if isinstance(value, pd.Index):
        return _restorable(value, {"__index__": _encode_index(value, tensors, prefix)}, tensors)
    if isinstance(value, SeriesFormat):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return {"__format__": _encode(fields, tensors, prefix)}
    if isinstance(value, BaseEstimator):
        return {"__estimator__": _encode_estimator(value, tensors, f"{prefix}{len(tensors)}.")}
    raise TypeError(
        f"a fitted attribute of type {type(value).__name__} cannot be saved without pickle; "
        "save this estimator with joblib.dump instead (load it only from trusted sources)."
    )


def _restorable(value: Any, doc: dict, tensors: dict | None = None) -> dict:
    """``doc`` if it decodes to ``value`` again (time zone and frequency included), else a
    TypeError: e.g. a dateutil time zone or a CustomBusinessDay with holidays, which a string
    does not describe, would come back changed or not at all."""
    try:
        back = _decode(doc, tensors or {})
        same = back.equals(value) if isinstance(value, pd.Index) else back == value
        same = bool(same) and getattr(back, "freq", None) == getattr(value, "freq", None)
        if same and getattr(value, "tz", None) is not None:  # the same wall times too
            same = bool(np.all(back.tz_localize(None) == value.tz_localize(None)))
    except (ValueError, TypeError, KeyError):  # e.g. an unknown time-zone name
        same = False
    if not same:
        what = ", ".join(f"{a} {getattr(value, a)!r}" for a in ("freq", "tz")
                         if getattr(value, a, None) is not None)
        raise TypeError(
            f"time stamps ({what}) cannot be saved without pickle; use a zoneinfo time zone "
            "(e.g. 'Europe/Berlin') and a frequency without parameters (holidays, weekmask, "
            "hours), or save this estimator with joblib.dump."
        )
    return doc


def _encode_index(index: pd.Index, tensors: dict, prefix: str) -> dict:
    if isinstance(index, (pd.MultiIndex, pd.IntervalIndex)):
        raise TypeError(
            f"a {type(index).__name__} (as columns or index) cannot be saved without pickle; "
            "use plain column names, or save this estimator with joblib.dump."
        )
    out = {"name": _encode(index.name, tensors, prefix)}
    if isinstance(index, pd.CategoricalIndex):  # e.g. a panel's categorical unique_id
        return {**out, "kind": "categorical", "ordered": bool(index.ordered),
                "categories": _encode_index(index.categories, tensors, prefix),
                "codes": _encode(np.asarray(index.codes), tensors, prefix)}
    if isinstance(index, pd.RangeIndex):
        return {**out, "kind": "range", "start": index.start, "stop": index.stop,
                "step": index.step}
    if isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        doc = {**out, "kind": "period", "freq": index.freqstr}
        if isinstance(index, pd.DatetimeIndex):
            doc.update(kind="datetime", tz=None if index.tz is None else str(index.tz),
                       unit=index.unit)
        # regular (a frequency set or inferred): its first stamp and length (a long series'
        # stamps one by one made a file of 23 MB for a network of 532 B)
        step = index.freq if isinstance(index, pd.PeriodIndex) else _datetime_freq(index)
        if step is not None and len(index):
            first = index[0].isoformat() if isinstance(index, pd.DatetimeIndex) else str(index[0])
            short = {**doc, "start": first, "periods": len(index), "step": step.freqstr}
            try:
                if _decode_index(short, tensors).equals(index):
                    return short
            except (ValueError, TypeError):  # e.g. a clock change pandas cannot step over
                pass
        return {**doc, "values": [t.isoformat() if isinstance(index, pd.DatetimeIndex)
                                  else str(t) for t in index]}
    extension = isinstance(index.dtype, pd.api.extensions.ExtensionDtype)  # Int64, string
    return {**out, "kind": "index", "values": _encode(index.to_numpy(), tensors, prefix),
            "dtype": str(index.dtype) if extension else None}


def _decode_index(doc: dict, tensors: dict) -> pd.Index:
    name = _decode(doc["name"], tensors)
    kind = doc["kind"]
    if kind == "range":
        return pd.RangeIndex(doc["start"], doc["stop"], doc["step"], name=name)
    if kind in ("datetime", "period") and "start" in doc:
        if kind == "period":
            return pd.period_range(doc["start"], periods=doc["periods"], freq=doc["step"],
                                   name=name)
        start = pd.Timestamp(doc["start"])
        start = start if doc["tz"] is None else start.tz_convert(doc["tz"])
        index = pd.date_range(start, periods=doc["periods"], freq=doc["step"], name=name,
                              unit=doc["unit"], **_WALL_CLOCK)
        return index if doc["freq"] else pd.DatetimeIndex(index, freq=None)  # as it was set
    if kind == "datetime":
        index = pd.DatetimeIndex(pd.to_datetime(doc["values"], utc=doc["tz"] is not None),
                                 name=name)
        if doc["tz"] is not None:
            index = index.tz_convert(doc["tz"])
        return pd.DatetimeIndex(index.as_unit(doc["unit"]), freq=doc["freq"])
    if kind == "period":
        return pd.PeriodIndex(doc["values"], freq=doc["freq"], name=name)
    if kind == "categorical":
        dtype = pd.CategoricalDtype(_decode_index(doc["categories"], tensors), doc["ordered"])
        return pd.CategoricalIndex(pd.Categorical.from_codes(_decode(doc["codes"], tensors),
                                                             dtype=dtype), name=name)
    return pd.Index(_decode(doc["values"], tensors), name=name, dtype=doc.get("dtype"))


def _decode(value: Any, tensors: dict) -> Any:
    if isinstance(value, list):
        return [_decode(v, tensors) for v in value]
    if not isinstance(value, dict):
        return value
    if "__scalar__" in value:
        return np.dtype(value["dtype"]).type(value["__scalar__"])
    if "__array__" in value:
        arr = tensors[value["__array__"]].numpy().astype(value["dtype"], copy=False)
        return arr.reshape(value["shape"])
    if "__ndarray__" in value:
        items = _decode(value["__ndarray__"], tensors)
        if value["dtype"] == "object":
            arr = np.empty(len(items), dtype=object)
            arr[:] = items
            return arr
        return np.array(items, dtype=value["dtype"])
    if "__tensor__" in value:
        return tensors[value["__tensor__"]]
    if "__device__" in value:
        return torch.device(value["__device__"])
    if "__tuple__" in value:
        return tuple(_decode(v, tensors) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_hashable(_decode(k, tensors)): _decode(v, tensors) for k, v in value["__dict__"]}
    if "__timestamp__" in value:
        stamp = pd.Timestamp(value["__timestamp__"]).as_unit(value["unit"])
        return stamp if value.get("tz") is None else stamp.tz_convert(value["tz"])
    if "__period__" in value:
        return pd.Period(value["__period__"], freq=value["freq"])
    if "__index__" in value:
        return _decode_index(value["__index__"], tensors)
    if "__format__" in value:
        return SeriesFormat(**_decode(value["__format__"], tensors))
    if "__estimator__" in value:
        return _decode_estimator(value["__estimator__"], tensors)
    return {k: _decode(v, tensors) for k, v in value.items()}


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key
