"""Tools to measure formcheck against ground truth: hand labels, rendered runners, degraded clips.

Not needed to analyse a clip; the tests and the scripts in ``benchmarks/`` use them.
"""
