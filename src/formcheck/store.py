"""Per-recording Parquet tables, so that a batch's OUTDIR is one dataset a team can query.

``formcheck batch`` writes, beside each recording's ``analysis.json``:

* ``steps.parquet``: one row per step (every field of ``steps.csv``, typed), plus the recording's
  name, date and clip;
* ``summary.parquet``: one row per leg and metric (median, interquartile range, count, confidence,
  and the severity of the finding judged on it, if any), plus the clip-level figures.

The recordings sit in ``OUTDIR/runner=NAME/DATE_CLIP/``: the ``runner=`` folder is a Hive
partition, so DuckDB (or pyarrow, Spark, polars) reads the whole squad as one table with a
``runner`` column::

    SELECT runner, date, side, median FROM read_parquet('OUTDIR/**/summary.parquet', hive_partitioning=true)
    WHERE metric = 'overstride_pct_leg' ORDER BY runner, date

Each file is written by the worker that analysed its clip, inside the clip's own folder: there is
no shared database file that many workers would write at once. The column types are fixed here
(not guessed from the values), so a recording where a column is all empty still reads as the same
type as the others.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .metrics import SAVED_STEP_FIELDS, StepMetrics

if TYPE_CHECKING:
    import pyarrow as pa

    from .result import AnalysisResult

STEPS_FILE = "steps.parquet"
SUMMARY_FILE = "summary.parquet"
PARTITION_KEY = "runner"  # the Hive partition folder: OUTDIR/runner=NAME/

_STEP_TYPES = {"str": "string", "bool": "bool", "int": "int64", "float": "float64"}


def _arrow_type(annotation: str) -> pa.DataType:
    """The Arrow type of a StepMetrics field from its annotation (``"float | None"`` -> float64)."""
    import pyarrow as pa

    base = annotation.replace(" ", "").split("|")[0]
    return {"string": pa.string(), "bool": pa.bool_(), "int64": pa.int64(), "float64": pa.float64()}[_STEP_TYPES[base]]


def steps_schema() -> pa.Schema:
    """Columns of ``steps.parquet``: the recording, then StepMetrics' saved fields in their order."""
    import pyarrow as pa

    head = [("recording", pa.string()), ("date", pa.date32()), ("clip", pa.string()), ("step", pa.int32())]
    fields = [(f.name, _arrow_type(str(f.type))) for f in dataclasses.fields(StepMetrics) if f.name in SAVED_STEP_FIELDS]
    return pa.schema(head + fields)


def summary_schema() -> pa.Schema:
    """Columns of ``summary.parquet`` (one row per leg and metric)."""
    import pyarrow as pa

    return pa.schema([
        ("recording", pa.string()), ("date", pa.date32()), ("recorded_at", pa.string()), ("clip", pa.string()),
        ("side", pa.string()), ("near", pa.bool_()), ("metric", pa.string()),
        ("median", pa.float64()), ("iqr_low", pa.float64()), ("iqr_high", pa.float64()), ("n", pa.int32()),
        ("confidence", pa.string()), ("finding_severity", pa.string()),
        ("n_steps", pa.int32()), ("cadence_spm", pa.float64()), ("contact_time_s", pa.float64()),
        ("facing", pa.string()), ("mode", pa.string()), ("fps", pa.float64()), ("height_cm", pa.float64()),
    ])


def _finding_severity(result: AnalysisResult) -> dict[tuple[str, str], str]:
    """(side, metric) -> severity of the finding judged on that leg's metric."""
    from .findings import FINDING_SPECS

    out = {}
    for f in result.findings:
        spec = FINDING_SPECS.get(f.code)
        if spec is not None and spec.per_side and f.side:
            out[(f.side, spec.metric)] = f.severity
    return out


def steps_table(result: AnalysisResult, *, recording: str, date: dt.date, clip: str) -> pa.Table:
    import pyarrow as pa

    schema = steps_schema()
    rows = [s.to_dict() for s in result.steps]
    columns: dict[str, list[Any]] = {
        "recording": [recording] * len(rows), "date": [date] * len(rows), "clip": [clip] * len(rows),
        "step": list(range(len(rows))),
    }
    for f in dataclasses.fields(StepMetrics):
        if f.name in SAVED_STEP_FIELDS:
            columns[f.name] = [r.get(f.name) for r in rows]
    return pa.table(columns, schema=schema)


def summary_table(result: AnalysisResult, *, recording: str, date: dt.date, recorded_at: str, clip: str) -> pa.Table:
    import pyarrow as pa

    severity = _finding_severity(result)
    s = result.summary
    rows: list[dict[str, Any]] = []
    for side in ("left", "right"):
        for metric, m in s.side(side).metrics.items():
            rows.append({
                "recording": recording, "date": date, "recorded_at": recorded_at, "clip": clip,
                "side": side, "near": side == result.near_side, "metric": metric,
                "median": m.median, "iqr_low": None if m.iqr is None else m.iqr[0], "iqr_high": None if m.iqr is None else m.iqr[1],
                "n": m.n, "confidence": m.confidence, "finding_severity": severity.get((side, metric)),
                "n_steps": s.n_steps, "cadence_spm": s.cadence_spm, "contact_time_s": s.contact_time_s,
                "facing": result.facing, "mode": result.mode, "fps": result.video.fps or None, "height_cm": result.height_cm,
            })
    return pa.Table.from_pylist(rows, schema=summary_schema())


def write_tables(result: AnalysisResult, folder: str | os.PathLike[str], *, recording: str, date: dt.date,
                 recorded_at: str, clip: str) -> dict[str, Path]:
    """Write ``steps.parquet`` and ``summary.parquet`` for one recording into ``folder``."""
    import pyarrow.parquet as pq

    folder = Path(folder)
    paths = {"steps_parquet": folder / STEPS_FILE, "summary_parquet": folder / SUMMARY_FILE}
    pq.write_table(steps_table(result, recording=recording, date=date, clip=clip), paths["steps_parquet"])
    pq.write_table(summary_table(result, recording=recording, date=date, recorded_at=recorded_at, clip=clip),
                   paths["summary_parquet"])
    return paths
