"""The rest of the everyday tensor API against torch: creation, the default dtype, new_*,
conversions, and `mg.accelerator`. (The ops themselves are rows of the parity table.)"""
import re

import numpy as np
import pytest
import torch

import minigrad as mg


def described(t):
    """A tensor's dtype name, shape and device type."""
    return str(t.dtype).rpartition(".")[2], list(t.shape), t.device.type


@pytest.mark.parametrize("call", [
    "lib.eye(3)", "lib.eye(2, 4)", "lib.eye(3, dtype=lib.int64)",
    "lib.linspace(-1, 1, 5)", "lib.linspace(0, 10, steps=4, dtype=lib.float64)",
    "lib.linspace(0, 1, 1)", "lib.linspace(2, 7, 6, dtype=lib.int64)",
    "lib.logspace(0, 3, 4)", "lib.logspace(0, 2, 3, base=2.0, dtype=lib.float64)",
    "lib.zeros(2).new_ones(3)", "lib.zeros(2, dtype=lib.int64).new_zeros((2, 2))",
    "lib.ones(1, dtype=lib.float64).new_full((2,), 7)", "lib.ones(1).new_tensor([1, 2])",
    "lib.ones(1, dtype=lib.int64).new_tensor([1.5, 2.5])",
])
def test_creation_values_match_torch(call):
    mine, theirs = (eval(call, {"lib": lib}) for lib in (mg, torch))
    assert described(mine) == described(theirs)
    np.testing.assert_allclose(mine.tolist(), theirs.tolist(), rtol=1e-6)


@pytest.mark.parametrize("call", [
    "lib.empty(2, 3)", "lib.empty(size=(4,), dtype=lib.int64)", "lib.empty_like(lib.ones(2, 1))",
    "lib.rand_like(lib.ones(2, 1, dtype=lib.float64))", "lib.randn_like(lib.ones(3))",
    "lib.randint_like(lib.ones(2, 2), 5)", "lib.randint_like(lib.ones(3, dtype=lib.int64), 2, 9)",
    "lib.randperm(6)", "lib.ones(2).new_empty(3, 1)",
])
def test_random_and_empty_creation_shapes_and_dtypes(call):
    mine, theirs = (eval(call, {"lib": lib}) for lib in (mg, torch))
    assert described(mine) == described(theirs)


def test_random_creation_values():
    mg.manual_seed(0)
    assert sorted(mg.randperm(10).tolist()) == list(range(10))
    drawn = mg.randint_like(mg.zeros(1000), 2, 5)
    assert set(drawn.tolist()) == {2.0, 3.0, 4.0}
    uniform = mg.rand_like(mg.zeros(4000, dtype=mg.float64))
    assert 0 <= uniform.min().item() and uniform.max().item() < 1
    assert abs(mg.randn_like(mg.zeros(4000)).mean().item()) < 0.1


def test_default_dtype():
    assert mg.get_default_dtype() == mg.float32
    mg.set_default_dtype(mg.float64)
    try:
        assert mg.get_default_dtype() == mg.float64
        for lib in (mg, torch):
            lib.set_default_dtype(lib.float64)
        try:
            for call in ("lib.tensor([1.5])", "lib.zeros(2)", "lib.arange(0.0, 1.0, 0.5)",
                         "lib.tensor([1, 2]) / 2", "lib.tensor([1, 2]) * 0.5",
                         "lib.tensor([1, 2]).exp()", "lib.rand(2)", "lib.eye(2)"):
                mine, theirs = (eval(call, {"lib": lib}) for lib in (mg, torch))
                assert described(mine) == described(theirs), call
        finally:
            torch.set_default_dtype(torch.float32)
    finally:
        mg.set_default_dtype(mg.float32)
    with pytest.raises(TypeError, match="floating-point"):
        mg.set_default_dtype(mg.int64)
    assert mg.tensor([1.5]).dtype == mg.float32


def test_is_tensor_numel_and_conversions():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert mg.is_tensor(x) and not mg.is_tensor([1.0]) and mg.numel(x) == 4
    assert x.element_size() == 4 and x.long().element_size() == 8
    one = mg.tensor([7])
    assert int(one) == 7 and float(one) == 7.0 and bool(one) and [10, 20, 30, 40][mg.tensor(3)] == 40
    assert x.to(mg.ones(1, dtype=mg.float64)).dtype == mg.float64
    assert {x: 1}[x] == 1  # hashable by identity


def test_accelerator_answers_for_cupys_gpu():
    available = mg.cuda.is_available()
    assert mg.accelerator.is_available() == available
    assert mg.accelerator.device_count() == mg.cuda.device_count()
    device = mg.accelerator.current_accelerator() if mg.accelerator.is_available() else \
        mg.device("cpu")
    assert device == ("cuda" if available else "cpu")
    assert mg.zeros(2, device=device).device == device
    assert mg.accelerator.current_device_index() == (0 if available else -1)
    mg.accelerator.synchronize()


def test_autograd_grad_accepts_only_inputs_and_flatten_takes_start_dim():
    x = mg.tensor([[1.0, 2.0]], requires_grad=True)
    (g,) = mg.autograd.grad((x * x).sum(), [x], only_inputs=True)
    assert g.tolist() == [[2.0, 4.0]]
    assert mg.flatten(mg.zeros(2, 3, 4), 1).shape == (2, 12)


IN_PLACE_CALLS = [
    "exp_()", "log_()", "log2_()", "log10_()", "log1p_()", "expm1_()", "exp2_()", "sqrt_()",
    "rsqrt_()", "abs_()", "neg_()", "sigmoid_()", "tanh_()", "relu_()", "sin_()", "cos_()",
    "tan_()", "asin_()", "acos_()", "atan_()", "sinh_()", "cosh_()", "floor_()", "ceil_()",
    "trunc_()", "fix_()", "round_()", "round_(decimals=1)", "sign_()", "frac_()",
    "reciprocal_()", "square_()", "clamp_min_(0.3)", "clamp_max_(0.3)", "clip_(0.2, 0.6)",
    "fmod_(0.3)", "remainder_(0.3)", "floor_divide_(0.3)", "lerp_(lib.ones(3), 0.5)",
    "addcmul_(x2, x2, value=2)", "addcdiv_(x2, x2 + 1)", "atan2_(x2)", "t_()",
    "transpose_(0, 1)", "squeeze_()", "unsqueeze_(0)",
]


@pytest.mark.parametrize("call", IN_PLACE_CALLS)
def test_in_place_variants_match_torch(call):
    results = []
    for lib in (mg, torch):
        x = lib.tensor([[0.1, 0.45, 0.8]])
        x2 = lib.tensor([0.2, 0.4, 0.9])
        before = x._version
        out = eval(f"x.{call}", {"lib": lib, "x": x, "x2": x2})
        assert out is x and x._version > before
        results.append((x.tolist(), str(x.dtype).rpartition(".")[2], list(x.shape)))
    (mine, *rest), (theirs, *rest_theirs) = results
    assert rest == rest_theirs
    np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-7)


def test_in_place_variants_refuse_what_torch_refuses():
    leaf = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf.exp_()
    assert leaf.tolist() == [1.0, 2.0] and leaf._version == 0
    integers = mg.tensor([1, 2])
    for lib, t in ((mg, integers), (torch, torch.tensor([1, 2]))):
        with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                               "output type Long"):
            t.exp_()
    assert integers.tolist() == [1, 2] and integers._version == 0
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        mg.zeros(3).lerp_(mg.ones(2, 3), 0.5)


def test_prod_of_many_factors_matches_torch():
    """Past 64 factors prod's gradient is y/x (the product of the others would cost O(n²))."""
    values = np.linspace(0.9, 1.1, 150).reshape(2, 75)
    mine = mg.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    mine.prod().backward()
    theirs.prod().backward()
    np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
    (g,) = mg.autograd.grad(mine.prod(1).sum(), mine, create_graph=True)
    (t,) = torch.autograd.grad(theirs.prod(1).sum(), theirs, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(mg.autograd.grad(g.sum(), mine)[0].numpy(),
                               torch.autograd.grad(t.sum(), theirs)[0].numpy(), rtol=1e-10)


def test_einsum_errors_name_the_problem():
    for lib in (mg, torch):
        with pytest.raises(RuntimeError, match="einsum"):
            lib.einsum("ijk,jk->i", lib.ones(2, 3), lib.ones(3, 2))
    with pytest.raises((RuntimeError, ValueError), match="operands"):
        mg.einsum("ij->i", mg.ones(2, 2), mg.ones(2))


@pytest.mark.parametrize("call", [
    "lib.unique(lib.tensor(3), dim=0)", "lib.unique(lib.ones(2, 2), dim=2)",
    "lib.unique(lib.zeros(2, 0), dim=0)", "lib.unique(lib.zeros(0, 0), dim=1)",
])
def test_unique_along_a_dim_refuses_what_torch_refuses(call):
    with pytest.raises((IndexError, RuntimeError)) as theirs:
        eval(call, {"lib": torch})
    with pytest.raises(theirs.type, match=f"^{re.escape(str(theirs.value))}$"):
        eval(call, {"lib": mg})


def test_unique_along_a_dim_of_empty_slices_matches_torch():
    for call in ("lib.unique(lib.zeros(0, 3), dim=0, return_inverse=True, return_counts=True)",
                 "lib.unique(lib.zeros(3, 0), dim=1, return_counts=True)"):
        mine, theirs = (eval(call, {"lib": lib}) for lib in (mg, torch))
        assert str(mine) == str(theirs)


def test_einsum_sums_an_operands_own_indices_before_the_products():
    """'ij,kl->ik' is (Σ_j a_ij)(Σ_l b_kl). Summed as Σ_jl a_ij·b_kl, the float32 products
    (about 3 each) cancelled to 2.04e-4 with 1e-3 relative error (thorough profile, seed 3);
    torch sums each operand's own indices first, and so does minigrad now."""
    a = np.array([[1.764279, -1.75], [-1.75, -1.75]], dtype=np.float32)
    exact = np.einsum("ij,kl->ik", a.astype(np.float64), a.astype(np.float64))
    mine = mg.einsum("ij,kl->ik", mg.tensor(a), mg.tensor(a)).numpy()
    np.testing.assert_allclose(mine, exact, rtol=1e-6)
