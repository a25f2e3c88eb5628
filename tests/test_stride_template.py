"""The stride template (formcheck.stride_template): jittery event instants re-aligned on the repeated foot path."""

import numpy as np

from formcheck.stride_template import align_to_template, sample

PERIOD = 21.3  # frames: a 169 steps/min runner filmed at 30 fps


def _foot_trace(n_frames: int, contacts: np.ndarray) -> np.ndarray:
    """(T, 2) a foot that descends fast, lands at each contact and rides back (height, forward position), in leg lengths."""
    t = np.arange(n_frames, dtype=float)
    since = (t[:, None] - contacts[None, :])
    phase = np.where(since >= 0, since, 99.0).min(axis=1)  # frames since the last contact (99 before the first)
    until = np.where(since < 0, -since, 99.0).min(axis=1)  # frames to the next contact (99 after the last)
    height = np.where(until < 6, 0.04 * until ** 1.5, np.where(phase < 8, 0.0, 0.3))  # the landing: a hinge
    forward = np.where(phase < 8, 0.3 - 0.06 * phase, 0.3 - 0.05 * np.minimum(until, 12))
    return np.column_stack([height, forward])


def test_jittered_contacts_come_back_onto_the_true_frames():
    """Detections off by up to 2.5 frames (zero median) land within 0.3 frame of the true contacts."""
    truth = 12.4 + PERIOD * np.arange(12)
    trace = _foot_trace(int(truth[-1]) + 20, truth)
    jitter = np.array([0.0, 2.0, -1.5, 0.3, -2.5, 1.2, 0.0, -0.4, 2.2, -1.0, 0.5, -0.2])
    aligned, misfit = align_to_template(trace, truth + jitter, half_width_frames=0.3 * PERIOD, max_shift_frames=0.15 * PERIOD)
    assert np.max(np.abs(jitter)) >= 2.0
    assert np.max(np.abs(aligned - truth)) <= 0.3, aligned - truth
    assert np.all(np.isfinite(misfit))


def test_the_detectors_common_offset_is_kept():
    """The template decides which frame, the detector when in the stride: a shared 1-frame delay stays."""
    truth = 12.4 + PERIOD * np.arange(10)
    trace = _foot_trace(int(truth[-1]) + 20, truth)
    jitter = np.array([1.0, 2.5, -0.5, 1.0, 3.0, 1.0, 0.0, 1.0, 1.8, 1.0])  # median +1
    aligned, _ = align_to_template(trace, truth + jitter, half_width_frames=0.3 * PERIOD, max_shift_frames=0.15 * PERIOD)
    assert np.allclose(aligned - truth, 1.0, atol=0.3), aligned - truth


def test_a_step_unlike_the_others_has_a_large_misfit():
    truth = 12.4 + PERIOD * np.arange(8)
    trace = _foot_trace(int(truth[-1]) + 20, truth)
    odd = np.abs(np.arange(len(trace)) - truth[4]) < 7
    trace[odd, 0] = 0.5  # the foot "hovers" through one landing (another person's foot, a swap)
    _, misfit = align_to_template(trace, truth, half_width_frames=0.3 * PERIOD, max_shift_frames=0.15 * PERIOD)
    ratio = misfit / np.median(misfit)
    assert ratio[4] >= 6.0 and np.all(np.delete(ratio, 4) < 3.0), ratio


def test_levels_that_change_step_to_step_need_the_shape_only_comparison():
    """A runner crossing the frame: each stride's trace sits at another level (perspective, a tilted view).
    Compared by shape only, the jittered contacts align; compared with levels, the level changes pull them off."""
    truth = 12.4 + PERIOD * np.arange(8)
    trace = _foot_trace(int(truth[-1]) + 20, truth)
    stride = np.searchsorted(truth + 0.5 * PERIOD, np.arange(len(trace)))  # changes at mid-swing
    trace = trace + (0.04 * (stride - 3.5))[:, None]
    jitter = np.array([0.0, 1.5, -1.5, 0.3, -2.0, 1.2, 0.0, -0.4])
    kw = dict(half_width_frames=0.3 * PERIOD, max_shift_frames=0.15 * PERIOD)
    shape, _ = align_to_template(trace, truth + jitter, shape_only=True, **kw)
    levels, _ = align_to_template(trace, truth + jitter, shape_only=False, **kw)
    assert np.max(np.abs(shape - truth)) <= 0.35, shape - truth
    assert np.max(np.abs(levels - truth)) >= 0.6, levels - truth


def test_too_little_measured_keeps_the_detected_instant():
    truth = 12.4 + PERIOD * np.arange(6)
    trace = _foot_trace(int(truth[-1]) + 20, truth)
    trace[: int(truth[1]) + 8] = np.nan  # the foot not tracked around the first two contacts
    detected = truth + np.array([2.0, -2.0, 0.0, 0.0, 0.0, 0.0])
    aligned, misfit = align_to_template(trace, detected, half_width_frames=0.3 * PERIOD, max_shift_frames=0.15 * PERIOD)
    assert abs(aligned[0] - detected[0]) < 0.05 and np.isnan(misfit[0])  # moved only by the common re-centring


def test_sample_interpolates_between_frames_and_is_nan_outside():
    sig = np.arange(10, dtype=float)[:, None] * np.array([[1.0, 2.0]])
    assert np.allclose(sample(sig, np.array([2.25, 0.0, 9.0])), [[2.25, 4.5], [0.0, 0.0], [9.0, 18.0]])  # both ends included
    assert np.isnan(sample(sig, np.array([-0.5, 9.5]))).all()


def test_unmeasured_windows_neither_warn_nor_touch_the_process_wide_warning_filters(monkeypatch):
    """Analyses run on a thread pool (history, tests): silencing NaN warnings by swapping the process-wide
    filters let one thread restore them while another was inside, and "Mean of empty slice" escaped."""
    import warnings

    truth = 12.4 + PERIOD * np.arange(6)
    trace = _foot_trace(int(truth[-1]) + 20, truth)
    trace[: int(truth[1]) + 8] = np.nan  # all-NaN windows and template samples
    filters_before = list(warnings.filters)

    changes = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # record everything
        for name in ("simplefilter", "filterwarnings", "catch_warnings"):
            monkeypatch.setattr(warnings, name, lambda *a, _name=name, **k: changes.append(_name))
        try:
            aligned, misfit = align_to_template(trace, truth, half_width_frames=0.3 * PERIOD, max_shift_frames=0.15 * PERIOD)
        finally:
            monkeypatch.undo()
    assert changes == [] and caught == [], (changes, [str(w.message) for w in caught])
    assert warnings.filters == filters_before
    assert np.isnan(misfit[0]) and np.all(np.isfinite(aligned))


def test_a_timed_event_at_the_edge_of_what_is_seen_is_not_pulled_inwards():
    """A runner entering the frame a frame before its first contact, timed right: the window around that contact
    is mostly unmeasured, and only shifts away from the edge see 70 % of it. Judged shift by shift (rough guesses)
    the search takes one of those and moves the contact late; judged at the detector's instant it stays."""
    truth = 14.0 + PERIOD * np.arange(6)
    trace = _foot_trace(int(truth[-1]) + 20, truth)
    trace[: int(truth[0]) - 1] = np.nan  # the foot first seen a frame before it lands
    detected = truth + np.array([0.0, 0.4, -0.3, 0.0, 0.2, -0.1])
    kw = dict(half_width_frames=0.3 * PERIOD, max_shift_frames=0.15 * PERIOD)
    coverage = np.isfinite(sample(trace, truth[0] + np.arange(-6, 7, dtype=float)))[:, 0].mean()
    assert coverage < 0.7  # the premise: the first contact's own window is under the search's coverage
    guessed, _ = align_to_template(trace, detected, **kw)
    anchored, misfit = align_to_template(trace, detected, coverage_at_positions=True, **kw)
    assert guessed[0] - truth[0] >= 1.5, guessed - truth  # pulled inwards (late) by the coverage of its shifts
    assert abs(anchored[0] - truth[0]) <= 0.3 and np.isnan(misfit[0]), anchored - truth
    assert np.max(np.abs(anchored[1:] - truth[1:])) <= 0.3, anchored - truth  # the others are searched as before
