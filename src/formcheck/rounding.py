"""How every figure formcheck prints is rounded: one rule, so one number reads the same in the terminal, the report,
the stills and the findings' text."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal


def rounded(v: float, digits: int) -> float:
    """``v`` to ``digits`` decimals, a half away from zero, after the float's own error is taken off: Python rounds an
    exact half to even, and a half can land a hair under it in floats (0.5005 s x 1000 is 500.49999999999994 ms), so
    one median read 343 ms in one place and 344 in another (a newcomer's test). The report's, the terminal tables'
    and the findings' figures go through here."""
    v = float(v)  # a NumPy scalar's repr is "np.float64(2.5)"
    if not math.isfinite(v) or abs(v) >= 1e15:  # beyond what any figure here reaches, and Decimal's precision
        return round(v, digits) + 0.0
    exact = Decimal(repr(round(v, 9)))
    return float(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)) + 0.0  # -0.0 + 0.0 is 0.0


def shown_unit(unit: str) -> tuple[str, float]:
    """The unit a table or page gives a metric stored in ``unit``, and the factor from one to the other: times in ms,
    as analyze's table, compare and the report give them (the files keep seconds). compare's table once gave contact
    time in s, and history.html "0.32" beside the report's "317 ms" (newcomers' tests)."""
    return ("ms", 1000.0) if unit == "s" else (unit, 1.0)


def unit_digits(unit: str) -> int:
    """Decimals to print for a unit: no more than the measurement carries (s: 0.01; ms, deg/s, steps/min: 1; else 0.1)."""
    return 2 if unit == "s" else 0 if unit in ("deg/s", "steps/min", "ms") else 1


__all__ = ["rounded", "shown_unit", "unit_digits"]
