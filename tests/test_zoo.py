"""Every architecture of the zoo: shapes, embeddings, and a tiny problem it must learn."""

import pytest
import torch

from vaxis._checks import VaxisInputError
from vaxis.decoding import zoo

torch.set_num_threads(2)
NAMES = list(zoo.ARCHITECTURES)


def test_registry_has_the_six_architectures():
    assert NAMES == ["logreg", "mlp", "dgcnn", "eegnet", "transformer", "gridcnn"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(32, 5), (62, 5)])
def test_shapes(name, shape):
    model = zoo.build(name, *shape, n_outputs=9, seed=0)
    x = torch.randn(7, *shape)
    logits, z = model(x, return_embedding=True)
    assert logits.shape == (7, 9)
    assert z.shape == (7, model.embed_dim) == model.embed(x).shape
    assert torch.allclose(model(x), logits)
    assert torch.allclose(model.classify(z), logits)


@pytest.mark.parametrize("name", NAMES)
def test_seeded_build_is_reproducible_and_leaves_global_rng_alone(name):
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = zoo.build(name, 32, 5, 9, seed=4)
    assert torch.equal(torch.rand(1), before)
    b = zoo.build(name, 32, 5, 9, seed=4)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_bad_arguments():
    with pytest.raises(VaxisInputError, match="one of"):
        zoo.build("resnet", 32, 5, 9)
    with pytest.raises(VaxisInputError, match="n_outputs"):
        zoo.build("mlp", 32, 5, 1)
    with pytest.raises(VaxisInputError, match="expects x of shape"):
        zoo.build("mlp", 32, 5, 9)(torch.randn(2, 30, 5))
    with pytest.raises(VaxisInputError, match="channels"):
        zoo.build("gridcnn", 20, 5, 9)


@pytest.mark.parametrize("name", NAMES)
def test_learns_a_tiny_problem(name):
    """Three classes told apart by a spatial-spectral pattern plus noise: > 90% training accuracy."""
    g = torch.Generator().manual_seed(0)
    patterns = torch.randn(3, 32, 5, generator=g)
    y = torch.arange(150) % 3
    x = patterns[y] + 0.8 * torch.randn(150, 32, 5, generator=g)
    model = zoo.build(name, 32, 5, 3, seed=0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(40):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    assert (model(x).argmax(1) == y).float().mean() > 0.9
