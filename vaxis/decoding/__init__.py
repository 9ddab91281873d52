"""The decoding side: classifiers of EEG, their training, and what they say about the V-axis.

- :mod:`vaxis.decoding.folds` -- the one fold definition (subjects held out, validation subjects).
- :mod:`vaxis.decoding.zoo` -- six architectures, one file each, registered by name.
- :mod:`vaxis.decoding.engine` -- training every (architecture, seed, fold) unit as stacked replicas.
- :mod:`vaxis.decoding.mapping` -- the EEG-to-axis ridge map with its exact permutation test (chapter 3).
- :mod:`vaxis.decoding.recovery` -- a simulated cohort's planted valence pattern against the map's weights (chapter 3).
- :mod:`vaxis.decoding.calibration` -- how decodable the simulated cohort is, knob by knob.
- :mod:`vaxis.decoding.rediscovery` -- the V read-out of label-only classifiers (chapter 4).
- :mod:`vaxis.decoding.alignment` -- the registry of alignment losses (chapter 5).
- :mod:`vaxis.decoding.sweep` -- independent tasks with an atomic result store (joblib, Dask, Ray).
- :mod:`vaxis.decoding.saturation` -- the saturation sweep: tasks, statistics, diagnostics (chapter 5).
- :mod:`vaxis.decoding.ensembles` -- residual-diversity ensembles and their baselines (chapter 6).

This layer reads the EEG side (:mod:`vaxis.eeg`) and result files (:mod:`vaxis.results`); what it
needs from language models arrives as arrays.
"""
