"""Recurrent layers beyond single calls: whole training runs against PyTorch, backpropagation
through long sequences, weights moving between the libraries, and the errors users meet.

- Training curves in float64 from identical weights on identical batches, 50 steps each, every
  step's loss within 1e-9 relative of torch's (both with clip_grad_norm_):
    sine-wave regression: RNN(batch_first=True) and a Linear head, SGD with momentum;
    a classifier Embedding -> 2-layer bidirectional LSTM -> Linear on a synthetic text task,
    variable-length batches packed with enforce_sorted=False, Adam.
- A 2,000-step sequence backpropagates (no recursion limit), to torch's gradients; its memory
  grows in proportion to the sequence; under no_grad nothing is kept, and an evaluation loop
  stays flat with or without no_grad.

(The parity table, op_table_rnn.py, checks every option of every layer call by call.)
"""
import gc
import math
import tracemalloc
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim  # noqa: F401 - the twins' optimisers are looked up as `lib.optim`

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def copy_weights(source, target):
    """Load a minigrad module's state_dict into its torch twin, by name (the keys must agree)."""
    state = source.state_dict()
    assert list(state) == list(target.state_dict()), "parameter names differ from torch's"
    target.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in state.items()})


def as_lib(lib, array):
    return lib.tensor(array) if lib is mg else torch.from_numpy(np.ascontiguousarray(array))


# ---------------------------------------------------------------------------
# training curves
# ---------------------------------------------------------------------------


def sine_model(lib):
    class SineRNN(lib.nn.Module):
        """Predicts the next point of a sine wave from the points so far."""

        def __init__(self):
            super().__init__()
            self.rnn = lib.nn.RNN(1, 16, batch_first=True)
            self.head = lib.nn.Linear(16, 1)

        def forward(self, x):
            output, _ = self.rnn(x)
            return self.head(output)

    return SineRNN()


def sine_batches(steps, batch=8, length=15, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        phase = rng.uniform(0, 2 * np.pi, (batch, 1))
        wave = np.sin(phase + 0.3 * np.arange(length + 1))[..., None]
        yield wave[:, :-1], wave[:, 1:]


def text_model(lib):
    class TextClassifier(lib.nn.Module):
        """Embedding -> 2-layer bidirectional LSTM -> Linear on the last states of both ways."""

        def __init__(self):
            super().__init__()
            self.embedding = lib.nn.Embedding(12, 6, padding_idx=0)
            self.lstm = lib.nn.LSTM(6, 8, num_layers=2, bidirectional=True, batch_first=True)
            self.head = lib.nn.Linear(16, 2)

        def forward(self, tokens, lengths):
            embedded = self.embedding(tokens)
            packed = lib.nn.utils.rnn.pack_padded_sequence(embedded, lengths, batch_first=True,
                                                           enforce_sorted=False)
            _, (h_n, _) = self.lstm(packed)
            return self.head(lib.cat([h_n[-2], h_n[-1]], dim=1))

    return TextClassifier()


def text_batches(steps, batch=10, seed=0):
    """Token sequences of 2 to 9 tokens (1..11, 0 pads); the label: more 3s than 4s."""
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        lengths = rng.integers(2, 10, batch)
        tokens = np.zeros((batch, lengths.max()), dtype=np.int64)
        for row, length in enumerate(lengths):
            tokens[row, :length] = rng.integers(1, 12, length)
        labels = ((tokens == 3).sum(1) > (tokens == 4).sum(1)).astype(np.int64)
        yield tokens, lengths.tolist(), labels


def train(lib, model, optimizer, batches, loss_of):
    losses = []
    for batch in batches:
        loss = loss_of(lib, model, batch)
        optimizer.zero_grad()
        loss.backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
        optimizer.step()
        losses.append(loss.item())
    return np.array(losses)


def sine_loss(lib, model, batch):
    x, y = batch
    return lib.nn.functional.mse_loss(model(as_lib(lib, x)), as_lib(lib, y))


def text_loss(lib, model, batch):
    tokens, lengths, labels = batch
    return lib.nn.functional.cross_entropy(model(as_lib(lib, tokens), lengths),
                                           as_lib(lib, labels))


@pytest.mark.parametrize("task", ["sine RNN", "text LSTM"])
def test_training_curve_matches_torch(task):
    """50 float64 steps from the same weights on the same batches: losses within 1e-9."""
    build, batches, loss_of = {"sine RNN": (sine_model, sine_batches, sine_loss),
                               "text LSTM": (text_model, text_batches, text_loss)}[task]
    mg.manual_seed(0)
    models = {mg: build(mg).double(), torch: build(torch).double()}
    copy_weights(models[mg], models[torch])
    curves = {}
    for lib, model in models.items():
        if task == "sine RNN":
            optimizer = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        else:
            optimizer = lib.optim.Adam(model.parameters(), lr=0.01)
        curves[lib] = train(lib, model, optimizer, batches(50), loss_of)
    assert curves[mg][-1] < 0.5 * curves[mg][0], f"{task} did not learn: {curves[mg]}"
    np.testing.assert_allclose(curves[mg], curves[torch], rtol=1e-9, atol=0)
    for (name, mine), theirs in zip(models[mg].state_dict().items(),
                                    models[torch].state_dict().values()):
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-8, atol=1e-10,
                                   err_msg=name)


# ---------------------------------------------------------------------------
# backpropagation through time
# ---------------------------------------------------------------------------


def long_sequence_run(lib, rnn, x, grad_enabled=True):
    with (lib.enable_grad() if grad_enabled else lib.no_grad()):
        output, h_n = rnn(x)
        return output, h_n


def test_2000_steps_backpropagate_to_torchs_gradients():
    """A 2,000-step chain of ops backpropagates iteratively (no recursion limit) and is freed
    without deep recursion; the gradients are torch's."""
    steps = 2000
    mg.manual_seed(1)
    rnn = nn.RNN(2, 3).double()
    twin = torch.nn.RNN(2, 3).double()
    copy_weights(rnn, twin)
    x = np.random.default_rng(0).standard_normal((steps, 1, 2)) * 0.5
    grads = {}
    for lib, module in ((mg, rnn), (torch, twin)):
        inputs = as_lib(lib, x).requires_grad_()
        output, h_n = module(inputs)
        (output.mean() + h_n.sum()).backward()
        grads[lib] = [inputs.grad.numpy()] + [p.grad.numpy() for p in module.parameters()]
        del output, h_n
    for mine, theirs in zip(grads[mg], grads[torch]):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-13)


def peak_bytes(fn):
    """The peak of traced allocations while fn runs (NumPy reports its arrays to tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def forward_and_backward(rnn, steps):
    x = mg.randn(steps, 4, 4, dtype=mg.float64, requires_grad=True)
    output, (h_n, c_n) = rnn(x)
    (output.sum() + h_n.sum()).backward()


def test_memory_grows_in_proportion_to_the_sequence():
    """Backpropagating 4x the steps takes about 4x the memory (the unrolled graph: 3.99x
    measured), and the same forward pass under no_grad keeps none of it (0.29x of the peak)."""
    mg.manual_seed(0)
    rnn = nn.LSTM(4, 32).double()
    short = peak_bytes(lambda: forward_and_backward(rnn, 50))
    long = peak_bytes(lambda: forward_and_backward(rnn, 200))
    assert 3.0 < long / short < 5.0, (short, long)

    def evaluate():
        with mg.no_grad():
            rnn(mg.randn(200, 4, 4, dtype=mg.float64))

    # What remains is the input's share of the gates and the outputs, for all steps at once.
    assert peak_bytes(evaluate) < 0.5 * long


def live_graph_objects():
    """How many tensors and tape nodes are alive (both are tracked by the garbage collector)."""
    from minigrad.autograd.function import Node

    gc.collect()
    kinds = {mg.Tensor, nn.Parameter, Node}
    return sum(type(o) in kinds for o in gc.get_objects())


@pytest.mark.parametrize("no_grad", [True, False], ids=["no_grad", "grad mode"])
def test_evaluation_loop_stays_flat(no_grad):
    """Evaluating again and again keeps nothing: nothing is recorded under no_grad, and a
    graph nobody differentiates is freed with its outputs. (Counted in objects, not bytes:
    Python's free lists make byte counts creep up to a ceiling.)"""
    mg.manual_seed(0)
    model = nn.LSTM(8, 16, num_layers=2, bidirectional=True).double()
    x = mg.randn(30, 4, 8, dtype=mg.float64)
    losses = []

    def evaluate():
        with (mg.no_grad() if no_grad else mg.enable_grad()):
            output, _ = model(x)
            losses.append(output.sum().item())

    evaluate()
    before = live_graph_objects()
    for _ in range(5):
        evaluate()
    assert live_graph_objects() == before


# ---------------------------------------------------------------------------
# weights, starts and printouts
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("build", [
    lambda lib: lib.nn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2),
    lambda lib: lib.nn.GRU(3, 5, num_layers=2, bias=False, batch_first=True, dropout=0.25),
    lambda lib: lib.nn.RNN(3, 5, nonlinearity="relu"),
    lambda lib: lib.nn.LSTMCell(3, 5),
    lambda lib: lib.nn.GRUCell(3, 5, bias=False),
    lambda lib: lib.nn.RNNCell(3, 5, nonlinearity="relu"),
    lambda lib: lib.nn.Embedding(7, 3, padding_idx=-2),
], ids=["LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell", "Embedding"])
def test_parameters_named_shaped_started_and_printed_as_torch(build):
    mine, theirs = build(mg), build(torch)
    assert [(n, tuple(p.shape)) for n, p in mine.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert repr(mine) == repr(theirs)
    if isinstance(mine, nn.Embedding):
        weight = mine.weight.detach().numpy()
        assert not weight[5].any()  # the padding row starts at zero
        assert 0.5 < weight.std() < 1.5  # N(0, 1)
        return
    bound = 1 / math.sqrt(5)
    values = np.concatenate([p.detach().numpy().ravel() for p in mine.parameters()])
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.8 * bound
    assert abs(values.mean()) < 0.1 * bound


def test_torch_state_dict_loads_and_gives_torchs_outputs():
    """A state_dict trained in torch loads into minigrad by name and gives the same outputs."""
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(4, 6, num_layers=2, bidirectional=True, batch_first=True).double()
    mine = nn.LSTM(4, 6, num_layers=2, bidirectional=True, batch_first=True).double()
    mine.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(0).standard_normal((3, 5, 4))
    out, (h, c) = mine(mg.tensor(x))
    expected, (h_t, c_t) = theirs(torch.from_numpy(x))
    for a, b in ((out, expected), (h, h_t), (c, c_t)):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12,
                                   atol=1e-14)


def test_dropout_between_layers_only_while_training():
    mg.manual_seed(0)
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5).double()
    x = mg.randn(5, 2, 3, dtype=mg.float64)
    first, second = lstm(x)[0], lstm(x)[0]
    assert not np.allclose(first.detach().numpy(), second.detach().numpy())
    lstm.eval()
    np.testing.assert_array_equal(lstm(x)[0].detach().numpy(), lstm(x)[0].detach().numpy())
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.GRU(3, 4, dropout=0.5)


def test_embedding_options():
    weight = mg.tensor([[3.0, 4.0], [0.3, 0.4], [1.0, 0.0]], requires_grad=True)
    frozen = nn.Embedding.from_pretrained(weight.detach())
    assert not frozen.weight.requires_grad
    assert nn.Embedding.from_pretrained(weight.detach(), freeze=False).weight.requires_grad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = nn.functional.embedding(mg.tensor([0, 1]), weight, max_norm=1.0)
    np.testing.assert_allclose(out.detach().numpy(), [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)
    np.testing.assert_allclose(weight.detach().numpy()[0], [0.6, 0.8], rtol=1e-6)


def test_clip_grad_norm_edge_cases():
    p = nn.Parameter(mg.tensor([1.0, 2.0]))
    assert nn.utils.clip_grad_norm_([p], 1.0).item() == 0.0  # no gradients at all
    p.grad = mg.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    p.grad = mg.tensor([3.0, 4.0])
    assert nn.utils.clip_grad_norm_(p, 10.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.numpy(), [3.0, 4.0], rtol=1e-6)  # under max_norm: kept


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------


def both(build, call):
    """The error type and message minigrad and torch give for the same mistake."""
    errors = []
    for lib in (mg, torch):
        with pytest.raises(Exception) as caught:
            call(lib, build(lib))
        errors.append(caught.value)
    assert type(errors[0]) is type(errors[1]), errors
    return [str(e) for e in errors]


def randn(lib, *shape):
    return lib.randn(*shape, dtype=lib.float64)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_layer_errors_name_the_shapes(kind):
    def build(lib):
        return getattr(lib.nn, kind)(3, 4, num_layers=2).double()

    def states(lib, *shape):
        h = randn(lib, *shape)
        return (h, randn(lib, *shape)) if kind == "LSTM" else h

    mine, theirs = both(build, lambda lib, m: m(randn(lib, 5, 2, 6)))
    assert mine == theirs == "input.size(-1) must be equal to input_size. Expected 3, got 6"
    mine, theirs = both(build, lambda lib, m: m(randn(lib, 5, 2, 3), states(lib, 1, 2, 4)))
    assert "(2, 2, 4)" in mine and "[1, 2, 4]" in mine, mine
    mine, theirs = both(build, lambda lib, m: m(randn(lib, 5, 2, 3), states(lib, 2, 3, 4)))
    assert "(2, 2, 4)" in mine and "[2, 3, 4]" in mine, mine
    mine, theirs = both(build, lambda lib, m: m(randn(lib, 5, 3), states(lib, 2, 1, 4)))
    assert mine == theirs
    mine, theirs = both(build, lambda lib, m: m(randn(lib, 5, 2, 3, 1)))
    assert mine == theirs
    for dropout in (-0.1, 1.5):
        mine, theirs = both(lambda lib: getattr(lib.nn, kind)(3, 4, dropout=dropout),
                            lambda lib, m: None)
        assert mine == theirs


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_errors_name_the_sizes(kind):
    def build(lib):
        return getattr(lib.nn, kind)(3, 4).double()

    def state(lib, *shape):
        h = randn(lib, *shape)
        return (h, randn(lib, *shape)) if kind == "LSTMCell" else h

    assert len(set(both(build, lambda lib, m: m(randn(lib, 2, 5))))) == 1
    assert len(set(both(build, lambda lib, m: m(randn(lib, 2, 3), state(lib, 2, 5))))) == 1
    assert len(set(both(build, lambda lib, m: m(randn(lib, 2, 3), state(lib, 3, 4))))) == 1
    assert len(set(both(build, lambda lib, m: m(randn(lib, 2, 3, 3))))) == 1


def test_packing_errors():
    def pack(lengths, enforce_sorted=True):
        return lambda lib, _: lib.nn.utils.rnn.pack_padded_sequence(
            randn(lib, 5, 3, 2), lengths, enforce_sorted=enforce_sorted)

    mine, theirs = both(lambda lib: None, pack([2, 5, 3]))
    assert mine == theirs and "enforce_sorted" in mine
    mine, theirs = both(lambda lib: None, pack([2, 0, 3], enforce_sorted=False))
    assert mine == theirs
    packed = {lib: lib.nn.utils.rnn.pack_padded_sequence(randn(lib, 5, 3, 2), [2, 5, 3],
                                                         enforce_sorted=False)
              for lib in (mg, torch)}
    mine, theirs = both(lambda lib: None, lambda lib, _: lib.nn.utils.rnn.pad_packed_sequence(
        packed[lib], total_length=3))
    assert mine == theirs
