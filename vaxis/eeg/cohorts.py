"""One entry to the EEG data of a chapter: :func:`cohort` gives a real release or its simulation.

Every dataset the book knows is one :class:`CohortSpec` in :data:`COHORTS`: how many subjects the
real release has and how they are numbered, the loader of the release as distributed, and the
simulator of a cohort of the same shape. A chapter asks for ``cohort("faced", faced_dir, ...)``;
``faced_dir=None`` simulates. A new dataset is one loader module plus one entry here.

With a folder and ``n_subjects`` below the release's size, the cohort is the first ``n_subjects``
subjects whose data are in the folder (:attr:`CohortSpec.available`), so a partial download (e.g.
the few BIDS recordings a reader fetched) serves a smaller profile; the loader prints which
release it found.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._checks import VaxisDataError, VaxisInputError, check_option
from .dataset import EEGDataset
from .faced import available_subjects as available_faced
from .faced import load_faced
from .seedv import load_seedv
from .simulate import simulate_faced, simulate_seedv


@dataclass(frozen=True)
class CohortSpec:
    """A dataset the book can read or simulate.

    Attributes
    ----------
    name : str
    n_subjects : int
        Subjects in the real release.
    first_subject : int
        Number of the release's first subject (FACED 0..122, SEED-V 1..16).
    load : callable
        ``load(folder, subjects=None | list of numbers, **kwargs) -> EEGDataset``.
    simulate : callable
        ``simulate(n_subjects=..., seed=..., **knobs) -> EEGDataset`` of the same shape.
    options : tuple of str
        Options that ``load`` and ``simulate`` both take (e.g. ``reference_channels``,
        ``ratings``); :func:`cohort` passes them to whichever it calls.
    available : callable, optional
        ``available(folder, **load_kwargs) -> list of subject numbers`` whose data are in the folder;
        None: the release's first ``n_subjects`` numbers are asked for.
    """

    name: str
    n_subjects: int
    first_subject: int
    load: Callable[..., EEGDataset]
    simulate: Callable[..., EEGDataset]
    options: tuple[str, ...] = ()
    available: Callable[..., list[int]] | None = None


#: The datasets, by name.
COHORTS: dict[str, CohortSpec] = {
    "faced": CohortSpec("faced", 123, 0, load_faced, simulate_faced, ("reference_channels", "ratings"),
                        available_faced),
    "seedv": CohortSpec("seedv", 16, 1, load_seedv, simulate_seedv),
}


def cohort(name: str, folder: str | Path | None = None, n_subjects: int | None = None, seed: int = 0,
           knobs: Mapping[str, float] | None = None, *, reference_channels: bool | None = None,
           ratings: str | None = None, **load_kwargs: Any) -> EEGDataset:
    """The EEG data a chapter works on: the real release in ``folder``, or its simulation.

    Parameters
    ----------
    name : {"faced", "seedv"}
        The dataset (:data:`COHORTS`).
    folder : str or Path, optional
        Root of the real release (see the book's Data page). ``None``: simulate a cohort of the
        same shape.
    n_subjects : int, optional
        Subjects to simulate, or the first ``n_subjects`` of the release whose data are in
        ``folder``; default: as many as the release has (all must be there).
    seed : int
        Seed of the simulation (ignored for real data).
    knobs : mapping, optional
        Simulation knobs (:class:`vaxis.eeg.simulate.SimulationParams`) overriding the defaults
        (ignored for real data).
    reference_channels : bool, optional
        FACED: keep the two reference/auxiliary rows A2, A1 (32 channels). Default (None = False):
        the 30 scalp channels, for real and simulated data alike.
    ratings : str, optional
        FACED: where clip valence and arousal come from; default the participants' own ratings
        (``"auto"`` for the loader: files, else the packaged table; ``"participants"`` for the
        simulation); ``"norms"``: word norms. See :func:`vaxis.eeg.faced.load_faced` and
        :func:`vaxis.eeg.simulate.simulate_faced`.
    **load_kwargs
        Passed to the loader of the release (e.g. ``features="PSD"`` for FACED).
    """
    check_option("cohort", name, COHORTS)
    spec = COHORTS[name]
    options = {k: v for k, v in (("reference_channels", reference_channels), ("ratings", ratings)) if v is not None}
    unknown = sorted(set(options) - set(spec.options))
    if unknown:
        raise VaxisInputError(f"The {name} cohort takes no option {unknown} (it takes {list(spec.options) or 'none'}).")
    n = spec.n_subjects if n_subjects is None else int(n_subjects)
    if folder is None:
        return spec.simulate(n_subjects=n, seed=seed, **options, **dict(knobs or {}))
    subjects = None
    if n < spec.n_subjects:
        if spec.available is None:
            subjects = list(range(spec.first_subject, spec.first_subject + n))
        else:
            present = spec.available(folder, **load_kwargs)
            if len(present) < n:
                first = list(range(spec.first_subject, spec.first_subject + n))
                missing = [s for s in first if s not in present]
                raise VaxisDataError(f"{n} {name} subjects asked for, but {folder} holds the data of {len(present)} "
                                     f"({present[:20]}); missing among the release's first {n}: subjects {missing[:20]}. "
                                     "The download may be partial: complete it, or ask for fewer (n_subjects).")
            subjects = present[:n]
    return spec.load(folder, subjects=subjects, **options, **load_kwargs)
