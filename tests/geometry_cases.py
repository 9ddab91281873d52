"""A representation with a known basin, shared by the statistics and ensemble tests."""

import numpy as np


def constructed(seed=0):
    """Class means in span(e1, e2) around origin o; within-class spread in span(e3, e4) only."""
    rng = np.random.default_rng(seed)
    o = np.array([1.0, -2.0, 0.5, 3.0, 0.0])
    a = np.array([[1, 0], [0, 2], [-1, -2], [3, 1]], dtype=float)  # 4 class means (2-D basin)
    y = np.repeat(np.arange(4), 25)
    within = np.zeros((y.size, 5))
    within[:, 2:4] = rng.normal(size=(y.size, 2))
    for k in range(4):  # exactly zero-mean within each class
        within[y == k, 2:4] -= within[y == k, 2:4].mean(0)
    means = o.copy() + np.zeros((4, 5))
    means[:, :2] += a - a.mean(0)
    return means[y] + within, y, o, within
