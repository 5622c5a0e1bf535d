"""minigrad.nn.utils: gradient clipping (`clip_grad_norm_`, `clip_grad_value_`), parameters as
one vector and back (`parameters_to_vector`, `vector_to_parameters`) and, in `rnn`, the padding
and packing of variable-length sequences, as torch.nn.utils."""
from . import rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["rnn", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_",
           "get_total_norm", "parameters_to_vector", "vector_to_parameters"]
