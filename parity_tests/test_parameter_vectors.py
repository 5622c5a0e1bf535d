"""parameters_to_vector and vector_to_parameters beyond their parity rows: a model's parameters
round-trip through one vector as in torch, and bad input is refused as torch refuses it."""
import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn as nn

CUDA = pytest.mark.skipif(not mg.cuda.is_available(), reason="needs CuPy and a GPU")


def test_a_models_parameters_round_trip_as_in_torch():
    mg.manual_seed(0)
    ours = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    vector = nn.utils.parameters_to_vector(ours.parameters())
    their_vector = torch.nn.utils.parameters_to_vector(theirs.parameters())
    np.testing.assert_array_equal(vector.detach().numpy(), their_vector.detach().numpy())
    assert vector.requires_grad and vector.grad_fn is not None

    new = np.linspace(-1, 1, vector.numel()).astype(np.float32)
    nn.utils.vector_to_parameters(mg.tensor(new), ours.parameters())
    torch.nn.utils.vector_to_parameters(torch.tensor(new), theirs.parameters())
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy(), err_msg=name)
        assert p.requires_grad and p.is_leaf
    x = np.ones((2, 3), np.float32)
    np.testing.assert_allclose(ours(mg.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6)


def both_raise(call):
    raised = []
    for lib in (mg, torch):
        with pytest.raises(Exception) as error:
            call(lib)
        raised.append((type(error.value), str(error.value)))
    assert raised[0] == raised[1]


def test_errors_are_torchs():
    both_raise(lambda lib: lib.nn.utils.vector_to_parameters(
        [1.0, 2.0], [lib.zeros(2, requires_grad=True)]))
    both_raise(lambda lib: lib.nn.utils.vector_to_parameters(
        lib.zeros(2), [lib.zeros(3, requires_grad=True)]))
    both_raise(lambda lib: lib.nn.utils.parameters_to_vector([]))


@CUDA
def test_parameters_on_two_devices_are_refused():
    parameters = [mg.zeros(2, requires_grad=True), mg.zeros(2, device="cuda", requires_grad=True)]
    with pytest.raises(TypeError, match="Found two parameters on different devices"):
        nn.utils.parameters_to_vector(parameters)
    with pytest.raises(TypeError, match="Found two parameters on different devices"):
        nn.utils.vector_to_parameters(mg.zeros(4), parameters)
