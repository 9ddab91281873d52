"""The ridge map from EEG to category positions and its exact held-out algebra (:class:`LinearMapCV`).

See :mod:`vaxis.decoding.mapping` for the protocol and the exact permutation null.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..._checks import VaxisInputError, check_array
from ..folds import Fold

#: Default ridge penalty grid (features are z-scored within subject).
DEFAULT_ALPHAS: tuple[float, ...] = tuple(float(a) for a in np.logspace(-1, 5, 13))


# ----------------------------------------------------------------------------- estimator
class VAxisRidgeMap:
    """Ridge regression from EEG features to V-axis positions, penalty chosen by grouped CV.

    scikit-learn style: parameters are stored unchanged; validation happens in :meth:`fit`.

    Parameters
    ----------
    alphas : sequence of float
        Candidate penalties.
    inner_splits : int
        Folds of the inner GroupKFold (by ``groups``) that picks the penalty.

    Attributes
    ----------
    alpha_ : float
        Selected penalty. The first of equally good penalties wins.
    coef_ : ndarray, shape (n_features,)
    intercept_ : float
    cv_errors_ : ndarray, shape (n_alphas,)
        Pooled squared error of each penalty over the inner validation rows.
    """

    def __init__(self, alphas: Sequence[float] = DEFAULT_ALPHAS, inner_splits: int = 3) -> None:
        self.alphas = alphas
        self.inner_splits = inner_splits

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray) -> VAxisRidgeMap:
        from sklearn.linear_model import Ridge
        from sklearn.model_selection import GroupKFold

        X = check_array("X", X, ndim=2)
        y = check_array("y", y, shape=(X.shape[0],))
        groups = np.asarray(groups)
        if groups.shape != (X.shape[0],):
            raise VaxisInputError(f"groups must have shape ({X.shape[0]},), got {groups.shape}.")
        alphas = np.asarray(self.alphas, dtype=float)
        if alphas.ndim != 1 or alphas.size == 0 or (alphas <= 0).any():
            raise VaxisInputError("alphas must be a non-empty list of positive numbers.")
        n_groups = len(np.unique(groups))
        if n_groups < 2:
            raise VaxisInputError("VAxisRidgeMap needs at least 2 subjects (groups) to pick alpha.")
        errors = np.zeros(alphas.size)
        for itr, iva in GroupKFold(n_splits=min(self.inner_splits, n_groups)).split(X, y, groups):
            for g, a in enumerate(alphas):
                m = Ridge(alpha=a).fit(X[itr], y[itr])
                errors[g] += float(((y[iva] - m.predict(X[iva])) ** 2).sum())
        self.cv_errors_ = errors
        self.alpha_ = float(alphas[int(np.argmin(errors))])
        m = Ridge(alpha=self.alpha_).fit(X, y)
        self.coef_, self.intercept_ = m.coef_.copy(), float(m.intercept_)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        X = check_array("X", X, ndim=2)
        return X @ self.coef_ + self.intercept_


# ----------------------------------------------------------------------------- fast machinery
def _vec_sym(M: np.ndarray, iu: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Coefficients c with v^T M v = (v_i v_j for i<=j) @ c, for M of shape (..., K, K)."""
    S = M + np.swapaxes(M, -1, -2)
    c = S[..., iu[0], iu[1]].copy()  # off-diagonal pairs appear twice in v^T M v
    diag = iu[0] == iu[1]
    c[..., diag] = M[..., iu[0][diag], iu[1][diag]]
    return c


@dataclass
class MapSubject:
    """One held-out subject of an outer fold, with the quadratic forms of its correlation.

    For a position vector ``v`` (K,) and penalty index ``g``, with ``v2`` the products
    ``v_i v_j`` (i <= j): numerator ``v2 @ P[g]``, prediction variance ``v2 @ Qp[g]``, target
    variance ``v2 @ R``; the held-out predictions of its rows are ``B[g] @ v``.

    Attributes
    ----------
    subject : str
    rows : ndarray of int
        Its rows of ``X``.
    P, Qp : ndarray, shape (n_alphas, n_pairs)
    R : ndarray, shape (n_pairs,)
    B : ndarray, shape (n_alphas, n_rows, K)
    """

    subject: str
    rows: np.ndarray
    P: np.ndarray
    Qp: np.ndarray
    R: np.ndarray
    B: np.ndarray


@dataclass
class MapFold:
    """One outer fold: its training and test rows and what the penalty choice needs.

    Attributes
    ----------
    index : int
    train, test : ndarray of int
        Row indices.
    Q : ndarray, shape (n_alphas, n_pairs)
        Inner-CV squared error of each penalty as a quadratic form in ``v``.
    W : ndarray, shape (n_alphas, n_features, K)
        Map weights of each penalty as a linear map of ``v`` (full training set).
    cbar : ndarray, shape (K,)
        Category shares of the training rows (the intercept's linear map).
    subjects : list of MapSubject
        The held-out subjects, in order of first appearance.
    """

    index: int
    train: np.ndarray
    test: np.ndarray
    Q: np.ndarray
    W: np.ndarray
    cbar: np.ndarray
    subjects: list[MapSubject] = field(default_factory=list)


class LinearMapCV:
    """Leave-subjects-out ridge map whose score is computable for many target vectors at once.

    scikit-learn style: the parameters are stored unchanged; :meth:`fit` validates the data and
    precomputes everything that does not depend on the category positions (the folds, as
    :class:`MapFold` objects). Then :meth:`evaluate` gives the per-subject held-out correlations
    for any stack of position vectors, with the penalty chosen inside each training fold exactly
    as :class:`VAxisRidgeMap` would.

    Parameters
    ----------
    n_splits, inner_splits : int
        Outer and inner GroupKFold folds (by subject).
    alphas : sequence of float
        Penalty grid.

    Attributes (after ``fit``)
    --------------------------
    alphas_ : ndarray (n_alphas,)
    categories_ : list of str
        Categories in order of first appearance (the columns of position vectors).
    subjects_ : list of str
        Subjects in order of first appearance (the columns of :meth:`evaluate`).
    folds_ : list of MapFold
    fold_of_ : dict
        Subject -> index of the (first) fold that holds it out.
    units_of_ : dict
        Subject -> indices of every fold that scores it (one, unless a crossed split of
        :mod:`vaxis.decoding.folds` scores it on several clip rotations).
    X_, C_, groups_ : the training data, the row-by-category indicator (n, K), the row subjects.
    pairs_ : tuple of arrays
        Indices (i, j), i <= j, of the position products ``v_i v_j``.
    """

    def __init__(self, n_splits: int = 5, inner_splits: int = 3, alphas: Sequence[float] = DEFAULT_ALPHAS) -> None:
        self.n_splits = n_splits
        self.inner_splits = inner_splits
        self.alphas = alphas

    def fit(self, X: np.ndarray, categories: np.ndarray, groups: np.ndarray, *, clips: np.ndarray | None = None,
            folds: Sequence[Fold] | None = None, train_clips: Sequence[int] | None = None,
            test_clips: Sequence[int] | None = None) -> LinearMapCV:
        """Precompute the folds for trial features ``X`` (n, F), their ``categories`` and subjects ``groups``.

        By default the outer folds are :class:`~sklearn.model_selection.GroupKFold` by subject
        (``n_splits``). To hold clips out as well (:mod:`vaxis.decoding.folds`), give each row's clip
        position ``clips`` (n,) and either ``folds`` (e.g. :meth:`vaxis.decoding.folds.ClipSubjectSplit.units`:
        subject ids = ``groups``; validation subjects are trained on, the penalty being chosen by the
        inner folds) or ``train_clips`` / ``test_clips`` applied to every GroupKFold fold (training
        rows from the training subjects' ``train_clips``, scored rows from the held-out subjects'
        ``test_clips``). A subject scored in several units (a crossed split) gets the mean of its
        units' correlations. A held-out row's category need not occur in training: its prediction is
        linear in the positions of the training rows' categories all the same.
        """
        from sklearn.model_selection import GroupKFold

        X = check_array("X", X, ndim=2)
        n = X.shape[0]
        categories = np.asarray(categories).astype(str)
        groups = np.asarray(groups).astype(str)
        if categories.shape != (n,) or groups.shape != (n,):
            raise VaxisInputError("categories and groups must have one entry per row of X.")
        alphas = np.asarray(self.alphas, dtype=float)
        if alphas.ndim != 1 or alphas.size == 0 or (alphas <= 0).any():
            raise VaxisInputError("alphas must be a non-empty list of positive numbers.")
        cats = list(dict.fromkeys(categories.tolist()))
        K = len(cats)
        if K < 3:
            raise VaxisInputError(f"The map needs at least 3 categories, got {K}.")
        subjects = list(dict.fromkeys(groups.tolist()))
        if len(subjects) < 3:
            raise VaxisInputError(f"Leave-subjects-out needs at least 3 subjects, got {len(subjects)}.")
        n_splits = min(int(self.n_splits), len(subjects))
        if n_splits < 2:
            raise VaxisInputError("n_splits must be >= 2.")
        clip_restricted = folds is not None or train_clips is not None or test_clips is not None
        if clip_restricted and clips is None and (folds is None or any(f.restricts_clips for f in folds)):
            raise VaxisInputError("Holding clips out needs each row's clip position: pass clips=(n,) array.")
        if folds is not None and (train_clips is not None or test_clips is not None):
            raise VaxisInputError("Give train_clips/test_clips inside the folds when folds are given.")
        self.alphas_, self.categories_, self.subjects_ = alphas, cats, subjects
        self.X_, self.groups_ = X, groups
        self.C_ = (categories[:, None] == np.asarray(cats)[None, :]).astype(float)
        self.pairs_ = np.triu_indices(K)
        splits = list(GroupKFold(n_splits=n_splits).split(X, categories, groups)) if folds is None else None
        if clip_restricted:
            if folds is None:
                folds = [Fold(k, tuple(dict.fromkeys(groups[tr].tolist())), (), tuple(dict.fromkeys(groups[te].tolist())),
                              None if train_clips is None else tuple(int(c) for c in train_clips),
                              None if test_clips is None else tuple(int(c) for c in test_clips))
                         for k, (tr, te) in enumerate(splits)]
            splits = []
            for f in folds:
                tr, va, te = f.rows(groups, None if clips is None else np.asarray(clips))
                tr = np.sort(np.concatenate([tr, va]))
                if tr.size == 0 or te.size == 0:
                    raise VaxisInputError(f"Fold {f.index} has no training or no scored rows.")
                splits.append((tr, te))
        self.folds_ = [self._fold(f, tr, te) for f, (tr, te) in enumerate(splits)]
        units: dict[str, list[int]] = {}
        for f in self.folds_:
            for m in f.subjects:
                units.setdefault(m.subject, []).append(f.index)
        missing = [s for s in subjects if s not in units]
        if missing:
            raise VaxisInputError(f"Subject(s) {missing[:5]} are scored in no fold.")
        self.units_of_ = units
        self.fold_of_ = {s: u[0] for s, u in units.items()}
        return self

    def _fold(self, index: int, tr: np.ndarray, te: np.ndarray) -> MapFold:
        from sklearn.model_selection import GroupKFold

        C, groups, iu = self.C_, self.groups_, self.pairs_
        K, G = C.shape[1], self.alphas_.size
        Q = np.zeros((G, K, K))  # inner CV error matrices for every alpha
        tr_groups = groups[tr]
        n_inner = min(int(self.inner_splits), len(np.unique(tr_groups)))
        if n_inner < 2:
            raise VaxisInputError("Each training fold needs at least 2 subjects for inner CV.")
        for itr, iva in GroupKFold(n_splits=n_inner).split(tr, groups=tr_groups):
            B, _, _ = self._design(tr[itr], tr[iva])  # (G, n_va, K)
            E = C[tr[iva]][None] - B
            Q += np.einsum("gnk,gnl->gkl", E, E)
        B, W, cbar = self._design(tr, te)  # (G, n_te, K), (G, F, K), (K,)
        fold = MapFold(index, tr, te, _vec_sym(Q, iu), W, cbar)
        te_groups = groups[te]
        for s in dict.fromkeys(te_groups.tolist()):
            rows = np.flatnonzero(te_groups == s)
            Bs = B[:, rows]  # (G, n_s, K)
            Cs = C[te[rows]]
            Bc = Bs - Bs.mean(axis=1, keepdims=True)
            Cc = Cs - Cs.mean(axis=0, keepdims=True)
            fold.subjects.append(MapSubject(
                s, te[rows], P=_vec_sym(np.einsum("gnk,nl->gkl", Bc, Cc), iu),
                Qp=_vec_sym(np.einsum("gnk,gnl->gkl", Bc, Bc), iu), R=_vec_sym(Cc.T @ Cc, iu), B=Bs))
        return fold

    def _design(self, tr: np.ndarray, ev: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Predictions B[g] (n_ev, K) of the eval rows, weights (G, F, K) and intercept shares (K,),
        each as a linear map of the positions, for a ridge fitted on rows ``tr``."""
        Xtr = self.X_[tr]
        xbar = Xtr.mean(axis=0)
        cbar = self.C_[tr].mean(axis=0)
        U, s, Vt = np.linalg.svd(Xtr - xbar, full_matrices=False)
        keep = s > s[0] * 1e-12 if s.size else s > 0
        U, s, Vt = U[:, keep], s[keep], Vt[keep]
        D = U.T @ (self.C_[tr] - cbar)  # (r, K)
        d = s[None, :] / (s[None, :] ** 2 + self.alphas_[:, None])  # (G, r)
        coef = np.einsum("rf,gr,rk->gfk", Vt, d, D)  # (G, F, K)
        Z = (self.X_[ev] - xbar) @ Vt.T  # (n_ev, r)
        return np.einsum("nr,gr,rk->gnk", Z, d, D) + cbar[None, None, :], coef, cbar

    # ------------------------------------------------------------------ evaluation
    def _check_fitted(self) -> None:
        if not hasattr(self, "folds_"):
            raise VaxisInputError("This LinearMapCV is not fitted yet; call fit(X, categories, groups) first.")

    def _products(self, V: np.ndarray) -> np.ndarray:
        return V[:, self.pairs_[0]] * V[:, self.pairs_[1]]  # (N, P)

    def choose_alpha(self, V: np.ndarray) -> np.ndarray:
        """Index of the penalty chosen in each fold for each position vector: (n_folds, N)."""
        self._check_fitted()
        V2 = self._products(np.atleast_2d(V))
        return np.stack([np.argmin(V2 @ f.Q.T, axis=1) for f in self.folds_])

    def evaluate(self, V: np.ndarray, alpha_index: np.ndarray | None = None,
                 chunk_size: int = 20000) -> np.ndarray:
        """Held-out correlation of every subject for every position vector.

        Parameters
        ----------
        V : ndarray, shape (N, K)
            Position of each category (columns in :attr:`categories_` order), one vector per row.
        alpha_index : ndarray, shape (n_folds,) or (n_folds, N), optional
            Fixed penalty index per fold (``"fixed"`` null); default: re-selected for each row.

        Returns
        -------
        r : ndarray, shape (N, n_subjects)
            Columns in :attr:`subjects_` order; NaN where a subject's target or prediction is
            constant (in every fold that scores it; else the mean over the folds where it is not).
        """
        self._check_fitted()
        V = check_array("V", np.atleast_2d(V), ndim=2)
        K = len(self.categories_)
        if V.shape[1] != K:
            raise VaxisInputError(f"V must have {K} columns (one per category), got {V.shape[1]}.")
        N = V.shape[0]
        out = np.full((N, len(self.subjects_)), np.nan)
        col = {s: i for i, s in enumerate(self.subjects_)}
        several = any(len(u) > 1 for u in self.units_of_.values())
        if several:
            total = np.zeros((N, len(self.subjects_)))
            count = np.zeros((N, len(self.subjects_)))
        for start in range(0, N, chunk_size):
            sl = slice(start, min(N, start + chunk_size))
            V2 = self._products(V[sl])
            for f, fold in enumerate(self.folds_):
                if alpha_index is None:
                    choice = np.argmin(V2 @ fold.Q.T, axis=1)
                else:
                    ai = np.asarray(alpha_index)
                    choice = np.broadcast_to(ai[f] if ai.ndim == 1 else ai[f, sl], (V2.shape[0],))
                idx = np.asarray([col[m.subject] for m in fold.subjects])
                r = self._fold_r(fold, V2, choice)
                if several:
                    ok = np.isfinite(r)
                    total[start:sl.stop, idx] += np.where(ok, r, 0.0)
                    count[start:sl.stop, idx] += ok
                else:
                    out[start + np.arange(r.shape[0])[:, None], idx[None, :]] = r
        if several:
            with np.errstate(invalid="ignore", divide="ignore"):
                out = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        return out

    def _fold_r(self, fold: MapFold, V2: np.ndarray, choice: np.ndarray) -> np.ndarray:
        """Held-out r (N, n_fold_subjects) of one fold's subjects for position products ``V2`` (N, P)
        with penalty indices ``choice`` (N,)."""
        subs = fold.subjects
        R = np.stack([m.R for m in subs], axis=1)  # (P, n_s)
        den_c = V2 @ R
        out = np.full((V2.shape[0], len(subs)), np.nan)
        for g in np.unique(choice):
            rows = np.flatnonzero(choice == g)
            Pm = np.stack([m.P[g] for m in subs], axis=1)
            Qm = np.stack([m.Qp[g] for m in subs], axis=1)
            Vg = V2[rows]
            num, den_b = Vg @ Pm, Vg @ Qm
            with np.errstate(invalid="ignore", divide="ignore"):
                den = np.sqrt(np.clip(den_b, 0, None) * np.clip(den_c[rows], 0, None))
                r = np.where(den > 1e-12 * (np.abs(num) + 1), num / den, np.nan)
            out[rows] = np.clip(r, -1, 1)
        return out

    def mean_r(self, categories: Sequence[str], V: np.ndarray) -> np.ndarray:
        """Mean held-out r (N,) for each row of ``V`` whose columns follow ``categories``.

        Penalties are re-selected inside every fold for every row, as for the observed map.
        """
        V = np.atleast_2d(np.asarray(V, dtype=float))
        order = [list(categories).index(c) for c in self.categories_]
        with np.errstate(invalid="ignore"):
            return np.nanmean(self.evaluate(V[:, order]), axis=1)

    def _alphas_for(self, v: np.ndarray, alpha_index: np.ndarray | None) -> np.ndarray:
        return self.choose_alpha(v[None])[:, 0] if alpha_index is None else np.asarray(alpha_index)

    def predictions(self, v: np.ndarray, alpha_index: np.ndarray | None = None) -> np.ndarray:
        """Held-out prediction of every row for one position vector ``v`` (K,); NaN for rows no fold
        scores (with clips held out: a clip no rotation holds out), the last scoring fold's otherwise."""
        v = np.asarray(v, dtype=float)
        ai = self._alphas_for(v, alpha_index)
        pred = np.full(self.X_.shape[0], np.nan)  # NaN: a row no fold scores (clips never held out)
        for f, fold in enumerate(self.folds_):
            for m in fold.subjects:
                pred[m.rows] = m.B[ai[f]] @ v
        return pred

    def per_fold_r(self, V: np.ndarray) -> np.ndarray:
        """Held-out r of every subject (:attr:`subjects_` order) when fold ``f`` is scored with its own
        position vector ``V[f]`` (V: (n_folds, K)); penalties re-chosen in each fold; a subject scored
        in several folds gets the mean of its folds' r."""
        self._check_fitted()
        V = check_array("V", np.atleast_2d(V), ndim=2)
        if V.shape != (len(self.folds_), len(self.categories_)):
            raise VaxisInputError(f"V must have shape {(len(self.folds_), len(self.categories_))}, got {V.shape}.")
        col = {s: i for i, s in enumerate(self.subjects_)}
        total, count = np.zeros(len(self.subjects_)), np.zeros(len(self.subjects_))
        for f, fold in enumerate(self.folds_):
            V2 = self._products(V[f:f + 1])
            r = self._fold_r(fold, V2, np.argmin(V2 @ fold.Q.T, axis=1))[0]
            idx = np.asarray([col[m.subject] for m in fold.subjects])
            ok = np.isfinite(r)
            total[idx] += np.where(ok, r, 0.0)
            count[idx] += ok
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / np.maximum(count, 1), np.nan)

    def weights(self, v: np.ndarray, alpha_index: np.ndarray | None = None) -> np.ndarray:
        """Map weights (n_folds, n_features) of each outer fold for position vector ``v``."""
        v = np.asarray(v, dtype=float)
        ai = self._alphas_for(v, alpha_index)
        return np.stack([fold.W[ai[f]] @ v for f, fold in enumerate(self.folds_)])
