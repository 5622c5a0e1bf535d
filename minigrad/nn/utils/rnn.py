"""Variable-length batches for the recurrent layers, as torch.nn.utils.rnn.

A batch of sequences of different lengths is held two ways:
  padded   (T, B, *) (or (B, T, *) with batch_first): every sequence filled up to
           the longest with `padding_value`
  packed   a `PackedSequence`: the time steps one after another, each holding only
           the sequences still running, longest first. `data` is (Σ lengths, *),
           `batch_sizes[t]` how many sequences are running at step t; the
           recurrent layers then never compute a step on padding.

Every move between the forms is one gather (an integer index into the rows),
so gradients flow back through it to the padded values or the packed data.
"""
from collections import namedtuple

from ... import backend
from ...creation import full
from ...ops.shape import cat
from ...tensor import Tensor, wrap_array


class PackedSequence(namedtuple("PackedSequence",
                                ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """Sequences packed time step by time step (see the module docstring).

    data              (Σ lengths, *): step 0 of every sequence, then step 1 of those
                      still running, and so on; sequences in order of decreasing length
    batch_sizes       int64 tensor on the CPU: the number of sequences running at each step
    sorted_indices    which original sequence each packed column is (None if given sorted)
    unsorted_indices  its inverse: where each original sequence went (None if given sorted)

    Made by `pack_padded_sequence` or `pack_sequence`, not by hand.
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _inverse(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """The same packing with `data` moved or cast (index tensors follow the device)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        indices = [None if i is None else i.to(device=data.device)
                   for i in (self.sorted_indices, self.unsorted_indices)]
        return type(self)(data, self.batch_sizes, *indices)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return type(self)(self.data.cuda(device), self.batch_sizes, *[
            None if i is None else i.cuda(device)
            for i in (self.sorted_indices, self.unsorted_indices)])

    def double(self):
        return self.to(backend.float64)

    def float(self):
        return self.to(backend.float32)

    @property
    def is_cuda(self):
        return self.data.is_cuda


def _as_int_list(values):
    if isinstance(values, Tensor):
        return [int(v) for v in values.tolist()]
    return [int(v) for v in values]


def _index_tensor(values):
    return wrap_array(backend.as_array(values, backend.int64))


def _inverse(permutation):
    order = _as_int_list(permutation)
    inverse = [0] * len(order)
    for position, index in enumerate(order):
        inverse[index] = position
    return _index_tensor(inverse).to(device=permutation.device)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Sequences of shapes (Lᵢ, *) as one tensor (max L, B, *) ((B, max L, *) with batch_first),
    each filled up with `padding_value` after its end (or before its start, padding_side='left')."""
    sequences = list(sequences)  # a tensor gives its slices along dim 0, as in torch
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    trailing = sequences[0].shape[1:]
    for s in sequences:
        if s.ndim == 0 or s.shape[1:] != trailing:
            raise RuntimeError(f"The size of tensor a ({tuple(s.shape)}) must match the size of "
                               f"tensor b ({tuple(sequences[0].shape)}) at non-singleton "
                               "dimension 1")
    lengths = [s.shape[0] for s in sequences]
    longest = max(lengths)
    padding = full((1,) + tuple(trailing), padding_value, dtype=sequences[0].dtype,
                   device=sequences[0].device)
    rows = cat(sequences + [padding], 0)
    pad_row = sum(lengths)
    grid, start = [], 0
    for length in lengths:
        before = longest - length if padding_side == "left" else 0
        grid.append([pad_row] * before + list(range(start, start + length))
                    + [pad_row] * (longest - length - before))
        start += length
    if not batch_first:
        grid = [list(column) for column in zip(*grid)] if grid[0] else [[] for _ in range(longest)]
    return rows[_index_tensor(grid)]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """A padded batch (T, B, *) ((B, T, *) with batch_first) and each sequence's length as a
    PackedSequence. With enforce_sorted=True the lengths must already decrease; otherwise the
    sequences are sorted here and the layers hand results back in the original order."""
    lengths = _as_int_list(lengths)
    batch_dim = 0 if batch_first else 1
    if input.ndim < 2:
        raise RuntimeError(f"pack_padded_sequence: expected input of at least 2 dims "
                           f"(T, B, *), got shape {tuple(input.shape)}")
    if len(lengths) != input.shape[batch_dim]:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lengths)} (batch_size={input.shape[batch_dim]})")
    if any(length <= 0 for length in lengths):
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element "
                           "in 'lengths' that is <= 0")
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
        order, sorted_indices = list(range(len(lengths))), None
    else:
        order = sorted(range(len(lengths)), key=lambda b: -lengths[b])  # stable, as torch's sort
        sorted_indices = _index_tensor(order).to(device=input.device)
    steps = input.shape[1 - batch_dim]
    if lengths[order[0]] > steps:
        raise RuntimeError(f"pack_padded_sequence: a length of {lengths[order[0]]} is longer "
                           f"than the padded input of shape {tuple(input.shape)}")
    batch_sizes = [sum(1 for length in lengths if length > t) for t in range(lengths[order[0]])]
    # Row (t, b) of the packed data is padded position (t, order[b]), for b < batch_sizes[t].
    times = [t for t, size in enumerate(batch_sizes) for _ in range(size)]
    columns = [order[b] for size in batch_sizes for b in range(size)]
    index = (_index_tensor(columns), _index_tensor(times)) if batch_first else \
        (_index_tensor(times), _index_tensor(columns))
    return PackedSequence(input[index], _index_tensor(batch_sizes), sorted_indices)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of pack_padded_sequence: (padded, lengths), padded (T, B, *) ((B, T, *) with
    batch_first) in the original order, T the longest length (or `total_length`), lengths an
    int64 tensor."""
    data, batch_sizes, _, unsorted_indices = sequence
    sizes = _as_int_list(batch_sizes)
    count = sizes[0]
    steps = len(sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {steps}")
        steps = total_length
    sorted_lengths = [sum(1 for size in sizes if size > b) for b in range(count)]
    unsorted = list(range(count)) if unsorted_indices is None else _as_int_list(unsorted_indices)
    # Packed row of (t, b): the rows of the steps before t, plus b.
    starts = [0]
    for size in sizes:
        starts.append(starts[-1] + size)
    pad_row = starts[-1]
    padding = full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype,
                   device=data.device)
    rows = cat([data, padding], 0)

    def row(t, original):
        b = unsorted[original]
        return starts[t] + b if t < len(sizes) and b < sizes[t] else pad_row

    if batch_first:
        grid = [[row(t, original) for t in range(steps)] for original in range(count)]
    else:
        grid = [[row(t, original) for original in range(count)] for t in range(steps)]
    lengths = _index_tensor([sorted_lengths[b] for b in unsorted])
    return rows[_index_tensor(grid)], lengths


def pack_sequence(sequences, enforce_sorted=True):
    """Sequences of shapes (Lᵢ, *) packed at once: pad_sequence, then pack_padded_sequence."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The inverse of pad_sequence: the list of sequences, each cut to its length."""
    lengths = _as_int_list(lengths)
    if batch_first:
        return [padded_sequences[b, :length] for b, length in enumerate(lengths)]
    return [padded_sequences[:length, b] for b, length in enumerate(lengths)]


def unpack_sequence(packed_sequences):
    """The inverse of pack_sequence: the list of sequences in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


__all__ = ["PackedSequence", "pad_sequence", "pack_padded_sequence", "pad_packed_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence"]
