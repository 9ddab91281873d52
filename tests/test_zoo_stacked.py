"""Known answers for the stacked forward passes (``forward_stacked``): replica r is module r."""

import pytest
import torch

from vaxis.decoding import zoo

torch.set_num_threads(2)


def _stacked(models: list[zoo.ZooModel]) -> dict[str, torch.Tensor]:
    """Every parameter of the models stacked, (R, *shape), as BatchedStack holds them."""
    named = [dict(m.named_parameters()) for m in models]
    return {k: torch.stack([d[k].detach() for d in named]).requires_grad_() for k in named[0]}


@pytest.mark.parametrize("n_chans", [30, 32, 62])  # FACED scalp, FACED with A2/A1 in the corners, SEED-V
@pytest.mark.parametrize("sizes", [{}, {"filters": 5, "embed": 7}])
def test_gridcnn_stacked_forward_is_each_replicas_own_module(n_chans, sizes):
    """Replica r of ``forward_stacked`` on its own rows == module r's ``forward``: values and gradients.

    The stacked pass runs chunks of replicas as the groups of channels-last grouped convolutions and
    permutes the dense weight to the activations' (cell, filter) order; a wrong cell, layout, chunk,
    flattening order or another replica's weights gives differences of order 0.1, round-off 1e-6.
    """
    R, n = 5, 11  # more replicas than one chunk (ScalpGridCNN.replicas_per_chunk = 3)
    models = [zoo.build("gridcnn", n_chans, 5, 4, seed=s, **sizes) for s in range(R)]
    params = _stacked(models)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(R, n, n_chans, 5, generator=g)
    w_logits, w_z = torch.randn(R, n, 4, generator=g), torch.randn(R, n, models[0].embed_dim, generator=g)
    logits, z = models[0].forward_stacked(params, x)
    assert logits.shape == (R, n, 4) and z.shape == (R, n, models[0].embed_dim)
    grads = torch.autograd.grad((logits * w_logits).sum() + (z * w_z).sum(), list(params.values()))
    for r, m in enumerate(models):
        ref_logits, ref_z = m(x[r], return_embedding=True)
        torch.testing.assert_close(logits[r], ref_logits, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(z[r], ref_z, atol=1e-5, rtol=1e-5)
        ref_grads = torch.autograd.grad((ref_logits * w_logits[r]).sum() + (ref_z * w_z[r]).sum(),
                                        list(m.parameters()))
        for name, a, b in zip(params, grads, ref_grads):
            torch.testing.assert_close(a[r], b, atol=1e-4, rtol=1e-4, msg=lambda s: f"{name}: {s}")
    # the same rows for every replica as an expanded view (evaluation's run_shared)
    shared_logits, shared_z = models[0].forward_stacked(params, x[0].expand(R, n, n_chans, 5))
    for r, m in enumerate(models):
        ref_logits, ref_z = m(x[0], return_embedding=True)
        torch.testing.assert_close(shared_logits[r], ref_logits, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(shared_z[r], ref_z, atol=1e-5, rtol=1e-5)
