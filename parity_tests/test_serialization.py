"""mg.save and mg.load: minigrad's own format round-trips, torch.save's files load without torch
running, and nothing a file holds is ever executed."""
import io
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn as nn


def small_cnn(lib):
    """A small CNN with BatchNorm (running statistics and an int64 num_batches_tracked)."""
    layers = lib.nn
    return layers.Sequential(
        layers.Conv2d(3, 4, kernel_size=3, padding=1), layers.BatchNorm2d(4), layers.ReLU(),
        layers.AdaptiveAvgPool2d(1), layers.Flatten(), layers.Linear(4, 2))


def torch_trained_cnn():
    torch.manual_seed(0)
    model = small_cnn(torch).double()
    model.train()
    for _ in range(2):  # moves the running statistics and counts num_batches_tracked
        model(torch.randn(5, 3, 6, 6, dtype=torch.float64))
    return model


def test_a_torch_state_dict_loads_into_equal_tensors_and_into_a_minigrad_model(tmp_path):
    model = torch_trained_cnn()
    state = model.state_dict()
    weight = state["0.weight"]
    state["extra.view"] = weight.permute(1, 0, 2, 3)[1:]  # non-contiguous, offset, shared
    state["extra.again"] = state["1.running_mean"]         # the same tensor saved twice
    torch.save(state, tmp_path / "cnn.pt")

    loaded = mg.load(tmp_path / "cnn.pt")
    assert isinstance(loaded, OrderedDict) and list(loaded) == list(state)
    assert loaded._metadata == state._metadata
    for key, value in state.items():
        assert loaded[key].dtype == getattr(mg, str(value.dtype).split(".")[1]), key
        np.testing.assert_array_equal(loaded[key].numpy(), value.numpy(), err_msg=key)
    assert loaded["1.num_batches_tracked"].dtype == mg.int64
    assert loaded["1.num_batches_tracked"].item() == 2
    assert loaded["extra.again"] is loaded["1.running_mean"]
    assert np.shares_memory(loaded["extra.view"].array, loaded["0.weight"].array)

    del loaded["extra.view"], loaded["extra.again"]
    ours = small_cnn(mg).double()
    ours.load_state_dict(loaded)
    ours.eval(), model.eval()
    x = np.random.default_rng(1).standard_normal((2, 3, 6, 6))
    np.testing.assert_allclose(ours(mg.tensor(x)).detach().numpy(),
                               model(torch.tensor(x)).detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "uint8",
                                   "bool"])
def test_torch_storages_of_every_dtype_load(dtype):
    values = torch.tensor([[0, 1, 2], [3, 4, 5]]).to(getattr(torch, dtype))
    buffer = io.BytesIO()
    torch.save({"t": values, "strided": values.t(), "row": values[1]}, buffer)
    buffer.seek(0)
    loaded = mg.load(buffer)
    for key, expected in (("t", values), ("strided", values.t()), ("row", values[1])):
        assert loaded[key].dtype == getattr(mg, "bool" if dtype == "bool" else dtype)
        assert loaded[key].shape == tuple(expected.shape)
        np.testing.assert_array_equal(loaded[key].numpy(), expected.numpy())


def test_a_big_endian_torch_file_loads(tmp_path):
    values = {"f": torch.linspace(-2, 3, 7, dtype=torch.float64), "i": torch.arange(5) * 1000}
    torch.save(values, tmp_path / "little.pt")
    # The same checkpoint as a big-endian machine writes it: its byteorder record says so and
    # each storage's bytes are swapped (both storages have 8-byte elements).
    with zipfile.ZipFile(tmp_path / "little.pt") as little, \
            zipfile.ZipFile(tmp_path / "big.pt", "w") as big:
        for info in little.infolist():
            data = little.read(info)
            if info.filename.endswith("/byteorder"):
                data = b"big"
            elif "/data/" in info.filename and "/.data/" not in info.filename:
                data = np.frombuffer(data, np.uint64).byteswap().tobytes()
            big.writestr(info, data)
    loaded = mg.load(tmp_path / "big.pt")
    for key, value in values.items():
        np.testing.assert_array_equal(loaded[key].numpy(), value.numpy())
        assert loaded[key].numpy().dtype.isnative


def test_torch_parameters_and_requires_grad_load(tmp_path):
    linear = torch.nn.Linear(3, 2)
    frozen = torch.nn.Parameter(torch.ones(2), requires_grad=False)
    torch.save({"params": list(linear.parameters()), "frozen": frozen,
                "leaf": torch.zeros(2, requires_grad=True), "scalar": torch.tensor(2.5),
                "empty": torch.zeros(0, 3), "size": torch.Size([2, 3]), "dtype": torch.float64,
                "set": {1, 2}, "bytes": b"\x00\xff", "nested": [(1, 2.0, "a", None, True)]},
               tmp_path / "mixed.pt")
    loaded = mg.load(tmp_path / "mixed.pt", map_location="cpu", weights_only=True)
    weight, bias = loaded["params"]
    assert isinstance(weight, nn.Parameter) and weight.requires_grad
    np.testing.assert_array_equal(weight.detach().numpy(), linear.weight.detach().numpy())
    assert isinstance(loaded["frozen"], nn.Parameter) and not loaded["frozen"].requires_grad
    assert loaded["leaf"].requires_grad and loaded["leaf"].is_leaf
    assert loaded["scalar"].shape == () and loaded["scalar"].item() == 2.5
    assert loaded["empty"].shape == (0, 3)
    assert loaded["size"] == (2, 3) and isinstance(loaded["size"], mg.Size)
    assert loaded["dtype"] is mg.float64
    assert loaded["set"] == {1, 2} and loaded["bytes"] == b"\x00\xff"
    assert loaded["nested"] == [(1, 2.0, "a", None, True)]


def roundtrip(obj, **load_args):
    buffer = io.BytesIO()
    mg.save(obj, buffer)
    buffer.seek(0)
    return mg.load(buffer, **load_args)


def test_mg_save_round_trips_every_dtype_and_nested_containers(tmp_path):
    rng = np.random.default_rng(0)
    tensors = {name: mg.tensor(rng.standard_normal((2, 3)) * 10).to(getattr(mg, name))
               for name in ("float32", "float64", "float16", "int64", "int32", "uint8", "bool")}
    weight = nn.Parameter(mg.randn(3, 2))
    obj = {"tensors": tensors, "param": weight, "grad": mg.ones(2, requires_grad=True),
           "list": [1, -2**70, 2.5, float("nan"), float("-inf"), "text", None, True, 1 + 2j],
           "tuple": (b"\x01", bytearray(b"ab")), "set": {1, 2}, "frozen": frozenset("ab"),
           "size": mg.Size([4, 5]), "dtype": mg.int32, "device": mg.device("cpu"),
           7: "an int key", ("a", 1): "a tuple key", "empty": {}, "scalar": mg.tensor(3.0)}
    mg.save(obj, tmp_path / "all.mg")
    loaded = mg.load(str(tmp_path / "all.mg"))
    for name, tensor in tensors.items():
        assert loaded["tensors"][name].dtype == tensor.dtype
        np.testing.assert_array_equal(loaded["tensors"][name].numpy(), tensor.numpy())
    assert isinstance(loaded["param"], nn.Parameter) and loaded["param"].requires_grad
    np.testing.assert_array_equal(loaded["param"].detach().numpy(), weight.detach().numpy())
    assert loaded["grad"].requires_grad and not isinstance(loaded["grad"], nn.Parameter)
    assert loaded["list"][:3] == [1, -2**70, 2.5] and np.isnan(loaded["list"][3])
    assert loaded["list"][4:] == [float("-inf"), "text", None, True, 1 + 2j]
    assert loaded["tuple"] == (b"\x01", b"ab") and type(loaded["tuple"]) is tuple
    assert loaded["set"] == {1, 2} and loaded["frozen"] == frozenset("ab")
    assert type(loaded["size"]) is mg.Size and loaded["size"] == (4, 5)
    assert loaded["dtype"] is mg.int32 and loaded["device"] == mg.device("cpu")
    assert loaded[7] == "an int key" and loaded[("a", 1)] == "a tuple key"
    assert loaded["empty"] == {} and loaded["scalar"].item() == 3.0
    # loaded arrays are writeable: an optimiser can update them in place
    with mg.no_grad():
        loaded["param"].add_(1)


def test_mg_save_keeps_sharing_and_views():
    base = mg.arange(12.0).reshape(3, 4)
    obj = {"a": base, "b": base, "t": base.t(), "row": base[1], "flip": base.flip(0)}
    loaded = roundtrip(obj)
    assert loaded["a"] is loaded["b"]
    for key in ("t", "row", "flip"):
        np.testing.assert_array_equal(loaded[key].numpy(), obj[key].numpy())
    assert np.shares_memory(loaded["t"].array, loaded["a"].array)
    with mg.no_grad():
        loaded["a"][1, 0] = -1.0
    assert loaded["row"][0].item() == -1.0 and loaded["t"][0, 1].item() == -1.0
    again = roundtrip(loaded)  # loaded views are views of their storage: saved again, still shared
    assert np.shares_memory(again["t"].array, again["a"].array)
    assert np.shares_memory(again["flip"].array, again["a"].array)


def test_a_model_state_dict_round_trips_into_a_fresh_model():
    torch.manual_seed(0)
    source = small_cnn(mg)
    source(mg.randn(4, 3, 6, 6))  # running statistics move
    loaded = roundtrip(source.state_dict())
    assert loaded._metadata == source.state_dict()._metadata
    target = small_cnn(mg)
    target.load_state_dict(loaded)
    for (key, a), (_, b) in zip(source.state_dict().items(), target.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=key)


def test_mg_save_refuses_modules_and_functions_naming_their_type(tmp_path):
    with pytest.raises(TypeError, match="minigrad.nn.modules.linear.Linear.*state_dict"):
        mg.save(nn.Linear(2, 2), tmp_path / "model.mg")
    with pytest.raises(TypeError, match="builtins.function"):
        mg.save({"f": lambda x: x}, tmp_path / "f.mg")


def test_tensors_come_back_on_their_device_or_where_map_location_says(device):
    weight = mg.arange(6.0, device=device).reshape(2, 3)
    loaded = roundtrip({"w": weight, "t": weight.t()})
    assert loaded["w"].device == weight.device and loaded["t"].device == weight.device
    np.testing.assert_array_equal(loaded["t"].cpu().numpy(), weight.t().cpu().numpy())
    on_cpu = roundtrip({"w": weight}, map_location="cpu")["w"]
    assert on_cpu.device == mg.device("cpu")
    np.testing.assert_array_equal(on_cpu.numpy(), weight.cpu().numpy())


def test_a_torch_dtype_minigrad_lacks_is_refused_naming_it():
    buffer = io.BytesIO()
    torch.save({"w": torch.ones(2, dtype=torch.bfloat16)}, buffer)
    buffer.seek(0)
    with pytest.raises(RuntimeError, match="torch.BFloat16Storage, which minigrad has no dtype"):
        mg.load(buffer)


def test_mmap_maps_the_storages_copy_on_write(tmp_path):
    weight = torch.arange(12.0).reshape(3, 4)
    torch.save({"w": weight, "t": weight.t(), "n": torch.tensor(7)}, tmp_path / "torch.pt")
    mg.save({"w": mg.tensor(weight.numpy()), "e": mg.zeros(0)}, tmp_path / "ours.mg")
    for name in ("torch.pt", "ours.mg"):
        before = (tmp_path / name).read_bytes()
        loaded = mg.load(tmp_path / name, mmap=True)
        np.testing.assert_array_equal(loaded["w"].numpy(), weight.numpy())
        root = loaded["w"].array
        while not isinstance(root, np.memmap):
            root = root.base
        with mg.no_grad():
            loaded["w"].mul_(2)  # writeable, and the file does not change
        np.testing.assert_array_equal(loaded["w"].numpy(), 2 * weight.numpy())
        assert (tmp_path / name).read_bytes() == before
    assert loaded["e"].shape == (0,)
    with pytest.raises(ValueError, match="f must be a file path in order to use the mmap"):
        mg.load(io.BytesIO(before), mmap=True)


def test_map_location_forms():
    obj = {"w": mg.ones(2)}
    for location in ("cpu", mg.device("cpu"), {"cpu": "cpu"}, lambda storage, loc: storage,
                     lambda storage, loc: None):
        assert roundtrip(obj, map_location=location)["w"].device == mg.device("cpu")
    if not mg.cuda.is_available():
        buffer = io.BytesIO()
        torch.save({"w": torch.ones(2)}, buffer)
        data = buffer.getvalue()
        # A checkpoint that says its tensors were on a GPU, read on a machine without one.
        with pytest.raises(RuntimeError, match="map_location='cpu'"):
            mg.load(io.BytesIO(data), map_location={"cpu": "cuda:0"})
        assert mg.load(io.BytesIO(data), map_location={"cuda:0": "cpu"})["w"].device == "cpu"


class CreatesAFile:
    """Unpickled by pickle, this object would run `open(path, 'w')`."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


class RunsAShellCommand:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


@pytest.mark.parametrize("payload", [CreatesAFile, RunsAShellCommand])
def test_a_torch_file_that_would_run_code_is_refused_and_nothing_runs(tmp_path, payload):
    control = tmp_path / "control"
    pickle.loads(pickle.dumps(payload(str(control))))  # the payload is live: pickle runs it
    assert control.exists()
    marker = tmp_path / "pwned"
    torch.save({"weight": torch.ones(2), "payload": payload(str(marker))}, tmp_path / "evil.pt")
    assert not marker.exists()
    name = {CreatesAFile: f"{open.__module__}.open",
            RunsAShellCommand: f"{os.system.__module__}.system"}
    with pytest.raises(pickle.UnpicklingError, match=f"the global '{name[payload]}'"):
        mg.load(tmp_path / "evil.pt")
    with pytest.raises(pickle.UnpicklingError):
        mg.load(tmp_path / "evil.pt", weights_only=False)  # never unlocks arbitrary objects
    assert not marker.exists()


def test_a_pickled_function_or_object_of_a_class_is_refused_naming_it(tmp_path):
    torch.save({"f": np.sqrt}, tmp_path / "function.pt")
    with pytest.raises(pickle.UnpicklingError, match="'numpy.sqrt'"):
        mg.load(tmp_path / "function.pt")
    torch.save(torch.nn.Linear(2, 2), tmp_path / "module.pt")
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.linear.Linear"):
        mg.load(tmp_path / "module.pt")


def torch_zip_with_pickle(path, data_pkl):
    """A torch-format zip whose data.pkl is the given pickle bytes (and no storages)."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", data_pkl)
        archive.writestr("archive/byteorder", "little")
        archive.writestr("archive/version", "3\n")


def test_a_pickle_that_calls_an_allowed_name_with_a_smuggled_callable_is_refused(tmp_path):
    # Protocol 4 with STACK_GLOBAL, and a REDUCE whose callable is not a global at all.
    torch_zip_with_pickle(tmp_path / "a.pt", pickle.dumps({"x": eval}, protocol=4))
    with pytest.raises(pickle.UnpicklingError, match="'builtins.eval'"):
        mg.load(tmp_path / "a.pt")
    reduce_a_string = b"\x80\x02X\x04\x00\x00\x00evil)R."
    torch_zip_with_pickle(tmp_path / "b.pt", reduce_a_string)
    with pytest.raises(pickle.UnpicklingError, match="calls a str"):
        mg.load(tmp_path / "b.pt")


def test_corrupt_and_truncated_files_give_clear_errors(tmp_path):
    buffer = io.BytesIO()
    mg.save({"w": mg.ones(100)}, buffer)
    ours = buffer.getvalue()
    for cut in (5, 15, 40, len(ours) - 10):
        with pytest.raises(RuntimeError, match="truncated|corrupt"):
            mg.load(io.BytesIO(ours[:cut]))
    broken = ours.replace(b'"numel": 100', b'"numel": 999')
    with pytest.raises(RuntimeError, match="truncated"):
        mg.load(io.BytesIO(broken))
    outside = ours.replace(b'"offset": 0, "shape": [100]', b'"offset": 9, "shape": [100]')
    with pytest.raises(RuntimeError, match="reaches outside its storage"):
        mg.load(io.BytesIO(outside))

    buffer = io.BytesIO()
    torch.save({"w": torch.ones(100)}, buffer)
    theirs = buffer.getvalue()
    with pytest.raises(RuntimeError, match="damaged PyTorch zip"):
        mg.load(io.BytesIO(theirs[: len(theirs) // 2]))
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint at all")
    with pytest.raises(RuntimeError, match="not a minigrad or PyTorch checkpoint"):
        mg.load(tmp_path / "junk.pt")
    torch_zip_with_pickle(tmp_path / "cut.pt", pickle.dumps({"a": [1, 2]}, protocol=2)[:-3])
    with pytest.raises(RuntimeError, match="corrupt data.pkl"):
        mg.load(tmp_path / "cut.pt")


def test_the_legacy_torch_format_is_refused_naming_it(tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="legacy format"):
        mg.load(tmp_path / "old.pt")
