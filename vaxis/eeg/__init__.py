"""The EEG side of vaxis: datasets (real and simulated), features, montage, human ratings.

- :func:`cohort` (:mod:`vaxis.eeg.cohorts`) -- the one entry: ``cohort("faced" | "seedv", folder)``
  loads a real release, or simulates a cohort of its shape when ``folder`` is None.
- :mod:`vaxis.eeg.dataset` -- :class:`EEGDataset`, the one structure every chapter uses.
- :mod:`vaxis.eeg.montage` -- channel orders, bands, categories, scalp positions.
- :mod:`vaxis.eeg.features` -- differential entropy (DE) of band-passed EEG.
- :mod:`vaxis.eeg.ratings` -- human valence and arousal norms of the category words.
- :mod:`vaxis.eeg.faced`, :mod:`vaxis.eeg.seedv` -- loaders of the datasets as distributed;
  :mod:`vaxis.eeg.faced_bids` -- FACED's BIDS release, from the raw recordings to the released DE.
- :mod:`vaxis.eeg.replica` -- a replica of that release (its own small files, simulated BDF recordings).
- :mod:`vaxis.eeg.simulate` -- the simulated FACED- and SEED-V-shaped cohorts (default data).

Nothing here knows about language models or classifiers; the simulator's calibration against
decoders is :mod:`vaxis.decoding.calibration`.
"""

from .cohorts import COHORTS, CohortSpec, cohort
from .dataset import EEGDataset
from .montage import BANDS, FACED_CATEGORIES, FACED_CHANNELS, SEEDV_CHANNELS, SEEDV_EMOTIONS

__all__ = ["BANDS", "COHORTS", "CohortSpec", "EEGDataset", "FACED_CATEGORIES", "FACED_CHANNELS", "SEEDV_CHANNELS",
           "SEEDV_EMOTIONS", "cohort"]
