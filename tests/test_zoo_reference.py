"""Our zoo against the field's reference implementations: weights copied across, same outputs.

Each test builds one of our architectures and the reference in its matching configuration, copies
the weights across (through a change of basis where the two parametrise the same function
differently) and compares logits (and the penultimate representation where the reference exposes
it) on the same DE-shaped input, float32, within a stated tolerance. What ours leaves out by design
(batch norms, pooling, dropout, max-norm) is set to the identity on the reference's side; each
model file's docstring says what differs and why.

References and where they come from:

- EEGNet: braindecode's ``EEGNetv4`` (0.8.1, the ``test`` extra) or ``EEGNet`` (1.x, the same
  modules by name).
- DGCNN: braindecode's ``DGCNN`` (1.8 on) and TorchEEG's ``DGCNN``. Neither is in the ``test``
  extra, so these tests skip in ``make test``: braindecode 1.x requires torchaudio, whose only
  installable wheel beside CPU torch 2.13 (2.11.1) is a CUDA build that fails to load (and,
  installed, breaks ``transformers.processing_utils``); TorchEEG 1.1.3 pins scipy <= 1.10.1 (pip
  would downgrade numpy, scipy, pandas and mne) and ``torcheeg.models`` imports ``torch_scatter``,
  which has no wheel on PyPI.
- transformer: PyTorch's own ``nn.TransformerEncoder`` of ``nn.TransformerEncoderLayer``; TorchEEG's
  ``VanillaTransformer`` (tokens and blocks; skips as above).
- MLP and logistic regression: scikit-learn's ``MLPClassifier`` and ``LogisticRegression``.
- grid CNN: none (TorchEEG's ``CCNN`` is a different, 400 times larger network, and its grid for
  FACED another layout; ``vaxis/decoding/zoo/gridcnn.py`` says how they differ).
"""

import warnings

import numpy as np
import pytest
import torch
from torch.nn.utils import parametrize

from vaxis.decoding import zoo
from vaxis.eeg.montage import FACED_EEG_CHANNELS, make_info

torch.set_num_threads(2)
C, F, N_OUT = len(FACED_EEG_CHANNELS), 5, 9  # FACED's 30 scalp channels, 5 DE bands, 9 categories


@pytest.fixture(autouse=True)
def _own_rng():
    """The references draw their initial weights from torch's global RNG: seeded, then restored."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        yield


def _x(n: int = 64) -> torch.Tensor:
    return torch.randn(n, C, F, generator=torch.Generator().manual_seed(1))


def _set(module: torch.nn.Module, name: str, value: torch.Tensor) -> None:
    """Copy ``value`` into parameter ``name`` of ``module`` (through a parametrisation's original)."""
    if parametrize.is_parametrized(module, name):
        target = module.parametrizations[name].original
    else:
        target = getattr(module, name)
    assert target.numel() == value.numel(), (name, tuple(target.shape), tuple(value.shape))
    with torch.no_grad():
        target.copy_(value.reshape(target.shape))


def _identity_batch_norms(model: torch.nn.Module) -> None:
    """Every batch norm of ``model`` at the identity (evaluation mode, mean 0, variance 1 - eps)."""
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.zero_()
            m.running_var.fill_(1.0 - m.eps)
            if m.affine:
                torch.nn.init.ones_(m.weight)
                torch.nn.init.zeros_(m.bias)


def _max_abs(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max())


# --------------------------------------------------------------------------------------- EEGNet
def _braindecode_eegnet():
    models = pytest.importorskip("braindecode.models", reason="braindecode is in the `test` extra")
    return getattr(models, "EEGNet", None) or models.EEGNetv4


def test_eegnet_is_braindecodes_eegnet_without_norms_pools_and_dropout():
    """EEGNetDE = braindecode's EEGNet on (batch, electrodes, bands), pools, batch norms, dropout off.

    The bands take the place of time samples. EEGNet's temporal convolution (F1 = 8 kernels of
    length 3, "same" zero padding) and depthwise spatial convolution (D = 2 filters per kernel over
    all electrodes), then ELU, are ours, weights copied as they are. Its separable convolution
    (depthwise along the bands, length 16, then 1x1 to F2 = 16 maps) is linear: ours, a dense layer
    over the flattened (filter, band) map, holds its matrix; its classifier (a convolution spanning
    the whole map) is our head. Both average pools (4 and 8 samples; 5 bands would not survive them)
    are skipped, the dropouts are off (evaluation mode, p = 0), the batch norms at the identity and
    the spatial filters' norms below braindecode's max-norm of 1. Measured: 2.1e-7 (braindecode 0.8.1),
    1.8e-7 (1.8.1).
    """
    EEGNet = _braindecode_eegnet()
    F1, D, F2 = 8, 2, 16
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # braindecode's deprecation notices about its own arguments
        # n_times = 128 only lets braindecode size its pools; the classifier is sized for our bands
        ref = EEGNet(n_chans=C, n_outputs=N_OUT, n_times=128, F1=F1, D=D, F2=F2, kernel_length=3,
                     drop_prob=0.0, final_conv_length=F + 1).eval()
    _identity_batch_norms(ref)
    t_out = F + 1  # the separable depthwise kernel (16, padding 8) gives 5 + 16 - 16 + 1 outputs
    ours = zoo.build("eegnet", C, F, N_OUT, seed=0, n_filters=F1, depth=D, kernel=3, embed=F2 * t_out).eval()
    with torch.no_grad():  # spatial filters under braindecode's max-norm (1), so it leaves them alone
        ours.spatial.copy_(torch.renorm(ours.spatial.reshape(F1 * D, C), 2, 0, 0.9).reshape(F1, D, C))
    _set(ref.conv_temporal, "weight", ours.kernel)  # (F1, 1, 1, kernel)
    _set(ref.conv_spatial, "weight", ours.spatial)  # (F1 * D, 1, C, 1): output f * D + d reads kernel f
    separable = torch.nn.Sequential(ref.conv_separable_depth, ref.conv_separable_point)
    with torch.no_grad():  # its matrix: column i is the response to the i-th unit (filter, band) map
        basis = torch.eye(F1 * D * F).reshape(-1, F1 * D, 1, F)
        ours.pointwise.weight.copy_(separable(basis).reshape(F1 * D * F, -1).T)  # (F2 * t_out, F1 * D * F)
        ours.pointwise.bias.zero_()
        ours.head.weight.copy_(ref.final_layer.conv_classifier.weight.reshape(N_OUT, -1))
        ours.head.bias.copy_(ref.final_layer.conv_classifier.bias)

    x = _x()
    h = x
    with torch.no_grad():
        for name in ("ensuredims", "dimshuffle", "conv_temporal", "bnorm_temporal", "conv_spatial", "bnorm_1",
                     "elu_1", "conv_separable_depth", "conv_separable_point", "bnorm_2", "elu_2"):
            h = getattr(ref, name)(h)  # pool_1, drop_1, pool_2, drop_2 left out
        ref_logits = ref.final_layer.conv_classifier(h).reshape(len(x), N_OUT)
        logits, z = ours(x, return_embedding=True)
    assert h.shape == (len(x), F2, 1, t_out)
    assert _max_abs(z, h.flatten(1)) < 1e-5
    assert _max_abs(logits, ref_logits) < 1e-5
    assert _max_abs(logits, ref_logits) < 1e-2 * float(ref_logits.abs().max())  # not all near zero


# ---------------------------------------------------------------------------------------- DGCNN
def _chebyshev_shift(order: int) -> np.ndarray:
    """M[k, j]: T_k(y - 1) = sum_j M[k, j] T_j(y) (ours evaluates at L - I, braindecode at L)."""
    shift = np.polynomial.Chebyshev([-1.0, 1.0])  # y - 1
    out = np.zeros((order, order))
    for k in range(order):
        coef = np.polynomial.Chebyshev.basis(k)(shift).coef
        out[k, :len(coef)] = coef
    return out


def _chebyshev_to_powers(order: int) -> np.ndarray:
    """M[k, j]: T_k(-y) = sum_j M[k, j] y^j (ours: T_k(-A_hat); TorchEEG: powers A_hat^j)."""
    out = np.zeros((order, order))
    for k in range(order):
        coef = np.polynomial.chebyshev.cheb2poly(np.eye(order)[k])  # trailing zeros trimmed
        out[k, :len(coef)] = coef * (-1.0) ** np.arange(len(coef))
    return out


def _mix(cheb: torch.Tensor, m: np.ndarray) -> torch.Tensor:
    """Ours' per-term weights cheb (K, F, G) in the other basis: V_j = sum_k M[k, j] cheb[k]."""
    return torch.einsum("kj,kfg->jfg", torch.as_tensor(m, dtype=cheb.dtype), cheb)


def _our_dgcnn(order: int, embed: int, bias: bool) -> zoo.ZooModel:
    ours = zoo.build("dgcnn", C, F, N_OUT, seed=0, graph_features=8, order=order, embed=embed).eval()
    if bias:
        with torch.no_grad():
            ours.cheb_bias.normal_(0.0, 0.3, generator=torch.Generator().manual_seed(2))
    return ours


def _braindecode_dgcnn(ours: zoo.ZooModel, order: int) -> torch.nn.Module:
    models = pytest.importorskip("braindecode.models")
    if not hasattr(models, "DGCNN"):
        pytest.skip("braindecode < 1.8 has no DGCNN (the `test` extra pins 0.8.1: braindecode 1.x needs "
                    "torchaudio, whose PyPI wheel is a CUDA build that does not load beside CPU torch 2.13)")
    ref = models.DGCNN(n_outputs=N_OUT, n_chans=C, n_times=F, chs_info=make_info(FACED_EEG_CHANNELS)["chs"],
                       n_filters=8, cheb_order=order, mlp_dims=(ours.embed_dim,), drop_prob=0.0).eval()
    sym = (ours.adjacency + ours.adjacency.T) / 2  # ours symmetrises before the ReLU; braindecode does not
    _set(ref.learnable_adjacency, "adjacency", sym)
    _set(ref.learnable_adjacency, "bias", torch.zeros(()))
    v = _mix(ours.cheb, _chebyshev_shift(order))  # (K, F, G); projection columns are (k, f), k-major
    _set(ref.graph_conv.projection, "weight", v.reshape(order * F, -1).T)
    _set(ref, "graph_conv_bias", ours.cheb_bias)
    _set(ref.classifier[0], "weight", ours.dense.weight)
    _set(ref.classifier[0], "bias", ours.dense.bias)
    _set(ref.final_layer, "weight", ours.head.weight)
    _set(ref.final_layer, "bias", ours.head.bias)
    return ref


def _torcheeg_dgcnn(ours: zoo.ZooModel, order: int) -> torch.nn.Module:
    models = pytest.importorskip(
        "torcheeg.models", reason="TorchEEG does not install beside our pins (scipy <= 1.10.1; torch_scatter)")
    ref = models.DGCNN(in_channels=F, num_electrodes=C, num_layers=order, hid_channels=8,
                       num_classes=N_OUT).eval()
    _identity_batch_norms(ref)  # its BatchNorm1d over the bands of the input
    _set(ref, "A", (ours.adjacency + ours.adjacency.T) / 2)
    v = _mix(ours.cheb, _chebyshev_to_powers(order))
    for j in range(order):
        _set(ref.layer1.gc1[j], "weight", v[j])
    _set(ref.fc1.linear, "weight", ours.dense.weight)
    _set(ref.fc1.linear, "bias", ours.dense.bias)
    _set(ref.fc2.linear, "weight", ours.head.weight)
    _set(ref.fc2.linear, "bias", ours.head.bias)
    return ref


@pytest.mark.parametrize("order", [2, 3])
@pytest.mark.parametrize("reference", ["braindecode", "torcheeg"])
def test_dgcnn_is_the_reference_dgcnn(reference, order):
    """DGCNN = braindecode's DGCNN and TorchEEG's, with a symmetric adjacency, weights re-expressed.

    Ours sums Chebyshev terms T_k(L~) x W_k at the rescaled Laplacian L~ = L - I = -A_hat (eigenvalue
    bound 2, as in Song et al.'s eq. 12); braindecode evaluates T_k at L = I - A_hat itself and
    TorchEEG takes powers A_hat^k. All three are polynomials of degree < K in A_hat, so the same
    function once the weights are re-expressed in the other basis. Copied: the symmetrised
    adjacency (ours is symmetric by construction), dense and head layers; TorchEEG has no bias in
    its graph layer (ours set to 0) and a batch norm on the input (identity). The degree guards
    differ (ours sqrt(d + 1e-4), braindecode sqrt(d) + 1e-5, TorchEEG sqrt(d + 1e-10)): a relative
    difference near 1e-5 at FACED's 30 electrodes. Measured for K = 2, 3: braindecode 1.8.1
    5e-7, 1.5e-6; TorchEEG 1.1.3 1.2e-6, 3.8e-6.
    """
    ours = _our_dgcnn(order, embed=32 if reference == "braindecode" else 64, bias=reference == "braindecode")
    build = _braindecode_dgcnn if reference == "braindecode" else _torcheeg_dgcnn
    ref = build(ours, order)
    x = _x()
    with torch.no_grad():
        logits, ref_logits = ours(x), ref(x)
    assert _max_abs(logits, ref_logits) < 1e-4
    assert _max_abs(logits, ref_logits) < 1e-2 * float(ref_logits.abs().max())


# ---------------------------------------------------------------------------------- transformer
@pytest.mark.parametrize("layers", [1, 2])
def test_transformer_blocks_are_pytorchs_pre_norm_encoder_layers(layers):
    """ChannelTransformer's blocks = ``nn.TransformerEncoder`` of pre-norm ``TransformerEncoderLayer``.

    Ours writes attention with plain matmuls (vmap); PyTorch's layer with ``norm_first=True``, GELU,
    a 2 x d_model feed-forward layer, no dropout and a final LayerNorm is the reference, with our
    packed q, k, v rows as its ``in_proj``. The tokens (our band embedding plus electrode
    embedding) go into both; our dense layer reads the reference's output. Measured: 6e-7.
    """
    ours = zoo.build("transformer", C, F, N_OUT, seed=0, d_model=16, heads=2, layers=layers).eval()
    layer = torch.nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.0, activation="gelu",
                                             batch_first=True, norm_first=True)
    ref = torch.nn.TransformerEncoder(layer, layers, norm=torch.nn.LayerNorm(16),
                                      enable_nested_tensor=False).eval()
    for block, r in zip(ours.blocks, ref.layers):
        for ours_name, ref_name in (("ln1", "norm1"), ("ln2", "norm2"), ("ff1", "linear1"), ("ff2", "linear2"),
                                    ("out", "self_attn.out_proj")):
            ref_module = r.get_submodule(ref_name)
            _set(ref_module, "weight", block[ours_name].weight)
            _set(ref_module, "bias", block[ours_name].bias)
        _set(r.self_attn, "in_proj_weight", block["qkv"].weight)
        _set(r.self_attn, "in_proj_bias", block["qkv"].bias)
    _set(ref.norm, "weight", ours.norm.weight)
    _set(ref.norm, "bias", ours.norm.bias)
    x = _x()
    with torch.no_grad():
        z = ours.embed(x)
        tokens = ours.tokens(x) + ours.position
        ref_z = torch.relu(ours.dense(ref(tokens).flatten(1)))
    assert _max_abs(z, ref_z) < 1e-5
    assert _max_abs(z, ref_z) < 1e-2 * float(ref_z.abs().max())


def test_transformer_tokens_and_blocks_are_torcheegs_vanilla_transformer():
    """Tokens and blocks = TorchEEG's ``VanillaTransformer`` with one time patch per electrode.

    With ``chunk_size = t_patch_size = n_bands`` TorchEEG embeds each electrode's bands as one token
    plus a learned position, like ours, and runs pre-norm blocks whose q, k, v and output
    projections have no bias (ours set to 0). Its class token and mean-pooled head are where the
    two differ (ours concatenates the tokens): the reference's embedding and blocks are run
    without them, and our final LayerNorm and dense layer read their output. Measured (TorchEEG
    1.1.3): 6e-7.
    """
    models = pytest.importorskip(
        "torcheeg.models", reason="TorchEEG does not install beside our pins (scipy <= 1.10.1; torch_scatter)")
    ours = zoo.build("transformer", C, F, N_OUT, seed=0, d_model=16, heads=2, layers=2).eval()
    ref = models.VanillaTransformer(num_electrodes=C, chunk_size=F, t_patch_size=F, hid_channels=16, depth=2,
                                    heads=2, head_channels=8, mlp_channels=32, num_classes=N_OUT).eval()
    _set(ref.to_patch_embedding[1], "weight", ours.tokens.weight)
    _set(ref.to_patch_embedding[1], "bias", ours.tokens.bias)
    with torch.no_grad():
        ref.pos_embedding[0, 1:].copy_(ours.position)  # slot 0 is the class token's
    for block, (attention, feed_forward) in zip(ours.blocks, ref.transformer.layers):
        with torch.no_grad():
            block["qkv"].bias.zero_()
            block["out"].bias.zero_()
        for ours_name, ref_module in (("ln1", attention.norm), ("qkv", attention.to_qkv), ("out", attention.to_out),
                                      ("ln2", feed_forward.net[0]), ("ff1", feed_forward.net[1]),
                                      ("ff2", feed_forward.net[3])):
            _set(ref_module, "weight", block[ours_name].weight)
            if ref_module.bias is not None:
                _set(ref_module, "bias", block[ours_name].bias)
    x = _x()
    with torch.no_grad():
        z = ours.embed(x)
        h = ref.transformer(ref.to_patch_embedding(x) + ref.pos_embedding[:, 1:])
        ref_z = torch.relu(ours.dense(ours.norm(h).flatten(1)))
    assert _max_abs(z, ref_z) < 1e-5
    assert _max_abs(z, ref_z) < 1e-2 * float(ref_z.abs().max())


# ---------------------------------------------------------------------------- MLP and logistic
def _sklearn_probabilities(estimator, x: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(estimator.predict_proba(x.flatten(1).double().numpy()), dtype=torch.float32)


def _fitted(estimator):
    """``estimator`` fitted on nine classes (its weights are overwritten next)."""
    g = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: one iteration is all it needs
        return estimator.fit(g.normal(size=(2 * N_OUT, C * F)), np.arange(2 * N_OUT) % N_OUT)


def test_mlp_is_sklearns_mlp_classifier():
    """MLP = scikit-learn's ``MLPClassifier(hidden_layer_sizes=(64, 32))``: same probabilities.

    The features are flattened electrode by electrode (``x.flatten(1)``, as a user of the DE
    baseline would). Measured: 3e-8.
    """
    from sklearn.neural_network import MLPClassifier

    ours = zoo.build("mlp", C, F, N_OUT, seed=0, hidden=64, embed=32)
    ref = _fitted(MLPClassifier(hidden_layer_sizes=(64, 32), max_iter=1, random_state=0))
    layers = [ours.body[0], ours.body[2], ours.head]
    ref.coefs_ = [m.weight.detach().double().numpy().T for m in layers]
    ref.intercepts_ = [m.bias.detach().double().numpy() for m in layers]
    x = _x()
    with torch.no_grad():
        p = torch.softmax(ours(x), dim=1)
    assert _max_abs(p, _sklearn_probabilities(ref, x)) < 1e-6


def test_logreg_is_sklearns_multinomial_logistic_regression():
    """LogisticRegression = scikit-learn's multinomial ``LogisticRegression``: same probabilities."""
    from sklearn.linear_model import LogisticRegression

    ours = zoo.build("logreg", C, F, N_OUT, seed=0)
    ref = _fitted(LogisticRegression(max_iter=1))
    ref.coef_ = ours.linear.weight.detach().double().numpy()
    ref.intercept_ = ours.linear.bias.detach().double().numpy()
    x = _x()
    with torch.no_grad():
        p = torch.softmax(ours(x), dim=1)
    assert _max_abs(p, _sklearn_probabilities(ref, x)) < 1e-6
