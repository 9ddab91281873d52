"""The EEG side of vaxis: datasets (real and simulated), features, montage.

- :mod:`vaxis.eeg.montage` -- channel orders, bands, categories, scalp positions.
- :mod:`vaxis.eeg.dataset` -- :class:`EEGDataset`, the one structure every chapter uses.
- :mod:`vaxis.eeg.features` -- differential entropy (DE) of band-passed EEG.
- :mod:`vaxis.eeg.simulate` -- the simulated FACED- and SEED-V-shaped cohorts (default data).
- :mod:`vaxis.eeg.faced`, :mod:`vaxis.eeg.seedv` -- loaders of the datasets as distributed.
"""

from .dataset import EEGDataset
from .montage import BANDS, FACED_CATEGORIES, FACED_CHANNELS, SEEDV_CHANNELS, SEEDV_EMOTIONS

__all__ = [
    "BANDS",
    "EEGDataset",
    "FACED_CATEGORIES",
    "FACED_CHANNELS",
    "SEEDV_CHANNELS",
    "SEEDV_EMOTIONS",
]


def faced_cohort(faced_dir=None, n_subjects: int = 123, seed: int = 0, knobs=None, features: str = "DE") -> EEGDataset:
    """The FACED data a chapter works on: the real release if ``faced_dir`` is given, else the simulation.

    Parameters
    ----------
    faced_dir : str or Path, optional
        Root of a FACED release (see :func:`vaxis.eeg.faced.load_faced`). ``None``: simulate.
    n_subjects : int
        Subjects to simulate, or the first ``n_subjects`` of the real release.
    seed : int
        Seed of the simulated cohort.
    knobs : mapping, optional
        Simulation knobs (:class:`vaxis.eeg.simulate.SimulationParams`) overriding the defaults.
    """
    if faced_dir is None:
        from .simulate import simulate_faced

        return simulate_faced(n_subjects=n_subjects, seed=seed, **dict(knobs or {}))
    from .faced import load_faced

    subjects = None if n_subjects >= 123 else list(range(n_subjects))
    return load_faced(faced_dir, features=features, subjects=subjects)


__all__ += ["faced_cohort"]
