"""The constructors a PyTorch user calls, against torch: the legacy `Tensor(...)` and `tensor`'s
dtype for lists of NumPy scalars."""
import numpy as np
import pytest
import torch

import minigrad as mg


def described(t):
    """A tensor's dtype name, shape and values."""
    return str(t.dtype).rpartition(".")[2], list(t.shape), t.tolist()


@pytest.mark.parametrize("call", [
    "lib.Tensor([1, 2])", "lib.Tensor([[1.5, 2], [3, 4]])", "lib.Tensor(np.array([1.0, 2.0]))",
    "lib.Tensor(np.array([1, 2]))", "lib.Tensor((2, 3))", "lib.Tensor([])", "lib.Tensor()",
    "lib.Tensor([True, False])", "lib.Tensor(np.arange(6).reshape(2, 3))",
])
def test_legacy_constructor_copies_data_as_the_default_dtype(call):
    mine, theirs = (eval(call, {"lib": lib, "np": np}) for lib in (mg, torch))
    assert described(mine) == described(theirs)


@pytest.mark.parametrize("call", [
    "lib.Tensor(2, 3)", "lib.Tensor(4)", "lib.Tensor(np.int64(2), 1)", "lib.Tensor(lib.Size([2, 3]))",
    "lib.Tensor(0)", "lib.Tensor(3, device='cpu')",
])
def test_legacy_constructor_of_sizes_is_uninitialised_of_the_default_dtype(call):
    mine, theirs = (eval(call, {"lib": lib, "np": np}) for lib in (mg, torch))
    assert (str(mine.dtype).rpartition(".")[2], list(mine.shape)) == (
        str(theirs.dtype).rpartition(".")[2], list(theirs.shape))


def test_legacy_constructor_follows_the_default_dtype():
    for lib in (mg, torch):
        lib.set_default_dtype(lib.float64)
        try:
            assert str(lib.Tensor([1]).dtype).endswith("float64")
            assert str(lib.Tensor(2).dtype).endswith("float64")
        finally:
            lib.set_default_dtype(lib.float32)


def test_legacy_constructor_of_a_tensor_is_an_alias():
    for lib in (mg, torch):
        source = lib.ones(3, dtype=lib.int64)
        alias = lib.Tensor(source)
        assert alias.dtype == lib.int64 and alias is not source
        alias[0] = 5
        assert source.tolist() == [5, 1, 1]
        leaf = lib.ones(2, requires_grad=True)
        through = lib.Tensor(leaf)
        assert through.requires_grad and not through.is_leaf
        (through * 3).sum().backward()
        assert leaf.grad.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("args", ["3.0", "np.float64(2)", "2, 3.0", "2, 3, np.float32(1)"])
def test_legacy_constructor_refuses_what_torch_refuses(args):
    with pytest.raises(TypeError) as theirs:
        eval(f"torch.Tensor({args})", {"torch": torch, "np": np})
    with pytest.raises(TypeError) as mine:
        eval(f"mg.Tensor({args})", {"mg": mg, "np": np})
    assert str(mine.value) == str(theirs.value)


def test_legacy_constructor_refuses_two_sequences():
    for lib in (torch, mg):
        with pytest.raises(TypeError, match="^new()"):
            lib.Tensor([1], [2])


def test_every_tensor_is_an_instance_of_tensor_and_the_legacy_types_still_work():
    made = [mg.ones(2), mg.tensor([1, 2]), mg.Tensor([1.0]), mg.ones(2) * 2, mg.nn.Parameter(mg.ones(1)),
            mg.LongTensor([1, 2]), mg.FloatTensor(2, 3), mg.arange(3).sum()]
    assert all(isinstance(t, mg.Tensor) for t in made)
    assert isinstance(mg.nn.Parameter(mg.ones(1)), mg.nn.Parameter)
    assert isinstance(mg.LongTensor([1]), mg.LongTensor) and not isinstance(mg.Tensor([1]), mg.LongTensor)
    assert mg.FloatTensor([1, 2]).dtype == mg.float32 and mg.DoubleTensor(2).dtype == mg.float64


@pytest.mark.parametrize("data", [
    "[np.float64(1), np.float64(2)]", "[[np.float64(1)], [np.float64(2)]]",
    "[np.float32(1), np.float32(2)]", "[np.int64(1), np.int64(2)]", "[np.int32(1)]",
    "[1.0, np.float64(2)]", "[np.float64(2), 1.0]", "[np.float32(1), np.float64(2)]",
    "[1, np.float64(2)]", "[np.int64(1), 2.5]", "[np.float32(1), 2]", "[np.int32(1), np.int64(2)]",
    "[np.int32(1), 2]", "[np.uint8(1)]", "[np.uint8(1), 3]", "[np.uint8(1), np.int32(1)]",
    "[np.bool_(True)]", "[True, np.float64(1)]", "[np.int64(1), True]", "[np.float16(1)]",
    "[np.float16(1), np.int64(2)]", "[np.float64(1), np.int64(1)]", "[[1.0], [np.float64(2)]]",
    "[np.array([1.0]), np.array([2.0])]", "[np.array([1, 2], dtype=np.int32), [3, 4]]",
    "([np.float64(1)], (2.0,))", "np.float64(2)", "np.int32(2)", "[1.5, 2]", "[[1, 2], [3, 4]]",
])
@pytest.mark.parametrize("default", ["float32", "float64"])
@pytest.mark.filterwarnings("ignore:Creating a tensor from a list of numpy.ndarrays")  # torch's
def test_tensor_of_numpy_scalars_infers_the_dtype_as_torch(data, default):
    made = []
    for lib in (mg, torch):
        lib.set_default_dtype(getattr(lib, default))
        try:
            made.append(lib.tensor(eval(data, {"np": np})))
        finally:
            lib.set_default_dtype(lib.float32)
    mine, theirs = made
    assert described(mine) == described(theirs)


@pytest.mark.parametrize("data", [
    "[lib.tensor(1.0, dtype=lib.float64), lib.tensor(2.0, dtype=lib.float64)]",
    "[lib.tensor(1), 2.5]", "[lib.tensor(1, dtype=lib.int32)]", "[lib.tensor([1.0])]",
    "[[lib.tensor(1.0)], [lib.tensor(2.0)]]", "[lib.tensor(True), 1]",
    "[[1.5, lib.tensor(2, dtype=lib.int64)]]",
])
def test_tensor_of_one_element_tensors_takes_their_dtypes_as_torch(data):
    mine, theirs = (lib.tensor(eval(data, {"lib": lib})) for lib in (mg, torch))
    assert described(mine) == described(theirs)


def test_tensor_of_longer_tensors_is_refused_as_torch():
    for lib in (torch, mg):
        with pytest.raises(ValueError, match="only one element tensors can be converted"):
            lib.tensor([lib.ones(2), lib.ones(2)])


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32", "int64", "uint8", "bool"])
def test_tensor_of_an_object_with_its_own_array_keeps_its_dtype(dtype):
    """A torch tensor hands NumPy its array (`__array__`): mg.tensor keeps that dtype, as
    torch.tensor keeps a NumPy array's."""
    source = torch.ones(2, 3, dtype=getattr(torch, dtype))
    mine, theirs = mg.tensor(source), torch.tensor(source.numpy())
    assert described(mine) == described(theirs)
