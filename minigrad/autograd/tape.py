"""The backward pass: walk the tape in reverse, applying the chain rule.

Every recorded op left a `Node` with its position on the tape (the order ops
ran) and edges back to the nodes that produced its inputs. The tape a backward
pass needs is the set of nodes reachable from the outputs; walking it from the
highest position down visits every node after all the nodes that consumed its
outputs, so each node's incoming gradient is complete when its turn comes.
A heap keyed on position gives that order without recursion, so a chain of
any length backpropagates.

The tape is not a global list: each tensor holds its producer and each node
its inputs' producers, so a graph nobody differentiates is freed by Python as
soon as its tensors go, and an evaluation loop without `no_grad` stays flat.

Gradient hooks (`register_hook`, `retain_grad`: autograd/hooks.py) hang off
the nodes and leaves; a pass meets them only where `_hooks` is not None.
"""
import heapq

from .. import backend
from .. import tensor as tensor_module
from ..ops.shape import sum_to
from . import grad_mode
from .function import FREED_MESSAGE

watchers = []
"""What watches backward passes: `autograd.trace()` and anomaly detection (trace.py,
anomaly_mode.py) add themselves here. Each wraps the two steps it watches, once per
pass, so a pass nobody watches runs the plain functions with no check per node."""


def run_backward(outputs, output_grads, retain_graph, create_graph, inputs=None):
    """Backpropagate `output_grads` from `outputs`.

    Without `inputs`, gradients are accumulated into the `.grad` of every
    leaf that requires grad. With `inputs`, only the nodes between outputs and
    inputs run, nothing is accumulated, and the gradient reaching each input
    is returned (None where none arrives).
    """
    targets = None if inputs is None else _targets(inputs)
    needed, running = (None, None) if inputs is None else _nodes_leading_to(outputs, targets)
    call_backward, accumulate = _call_backward, _accumulate_into_leaf
    for watcher in watchers:
        call_backward, accumulate = watcher.wrap(call_backward, accumulate, retain_graph)
    captured = {}
    pending = {}  # node -> gradient of each of its outputs, summed over consumers
    heap = []
    arrays_in_use = set()
    hooked_leaves = {}  # id(leaf) -> (leaf, gradient summed over the pass), for leaf hooks

    def deliver(edge, grad):
        node, leaf = edge
        if node is None:
            key = id(leaf)
            if targets is not None and key not in targets:
                return
            if leaf._hooks is not None:
                summed = grad if key not in hooked_leaves else hooked_leaves[key][1] + grad
                hooked_leaves[key] = (leaf, summed)
            elif targets is None:
                accumulate(leaf, grad, create_graph, arrays_in_use)
            else:
                captured[key] = grad if key not in captured else captured[key] + grad
            return
        index = leaf
        if needed is not None and node not in needed:
            return
        grads = pending.get(node)
        if grads is None:
            grads = pending[node] = [None] * len(node.output_shapes)
            heapq.heappush(heap, (-node.position, id(node), node))
        grads[index] = grad if grads[index] is None else grads[index] + grad

    def capture(node, grads):
        for index, grad in enumerate(grads):
            if (id(node), index) in targets and grad is not None:
                captured[(id(node), index)] = grad

    previous_mode = grad_mode._enabled
    grad_mode._enabled = create_graph
    try:
        for output, grad in zip(outputs, output_grads):
            arrays_in_use.add(id(grad.array))  # the caller's array: never adopt it as a .grad
            if output.grad_fn is None:
                deliver((None, output), grad)
            else:
                deliver((output.grad_fn, output._output_index), grad)

        while heap:
            node = heapq.heappop(heap)[2]
            grads = pending.pop(node)
            runs = running is None or node in running
            # As in torch, a target's gradient is taken before its hooks run when its node runs
            # on, after them when the node was reached only for that target.
            if targets is not None and runs:
                capture(node, grads)
            if node._hooks:
                _run_output_hooks(node, grads, arrays_in_use)
            if not runs:
                capture(node, grads)
                continue
            input_grads = call_backward(node, grads)
            if not retain_graph:
                node.release()
            for edge, shape, grad in zip(node.edges, node.input_shapes, input_grads):
                if edge is None or grad is None:
                    continue
                if grad.array.shape != shape:
                    grad = sum_to(grad, shape)
                deliver(edge, grad)

        for leaf, grad in hooked_leaves.values():
            grad = _run_hooks(leaf._hooks, grad, arrays_in_use)
            if targets is None:
                accumulate(leaf, grad, create_graph, arrays_in_use)
            else:
                captured[id(leaf)] = grad
    finally:
        grad_mode._enabled = previous_mode

    if targets is None:
        return None
    return [captured.get(_key(t)) for t in inputs]


def _call_backward(node, grads):
    """Run one node's backward, materialising zeros for outputs that got no gradient."""
    if node._freed:
        raise RuntimeError(FREED_MESSAGE)
    # A node with one output is pending only because its gradient arrived.
    if len(grads) > 1 and any(g is None for g in grads):
        from ..tensor import wrap_array

        xp = next(g for g in grads if g is not None).xp
        grads = [wrap_array(xp.zeros(shape, dtype)) if g is None else g
                 for g, (shape, dtype) in zip(grads, node.output_shapes)]
    input_grads = node.function.backward(node, *grads)
    if not isinstance(input_grads, tuple):
        input_grads = (input_grads,)
    if len(input_grads) != len(node.edges):
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients "
            f"(expected {len(node.edges)}, got {len(input_grads)})")
    return input_grads


def _accumulate_into_leaf(leaf, grad, create_graph, arrays_in_use):
    """Add a gradient into `leaf.grad`, as PyTorch's AccumulateGrad does.

    Between backward passes `.grad` is added to in place, as in PyTorch, so it
    must own its memory. Within a pass an array may be shared: the same
    gradient can travel along several edges (`x + x`) and still wait in
    another node's pending sum, or be a view of such a one (`reshape`), or be
    the caller's own. So an incoming array is adopted only when it is fresh
    and not yet seen in this pass (else copied), and an array adopted in this
    pass is never written to before the pass ends: a second gradient for the
    same leaf in the same pass is added out of place.
    """
    if create_graph:
        leaf.grad = grad if leaf.grad is None else leaf.grad + grad
        return
    array = grad.array
    if leaf.grad is None:
        if id(array) in arrays_in_use or array.base is not None or not backend.is_writeable(array):
            array = array.copy()
        leaf.grad = tensor_module.wrap_array(array)
    elif (id(leaf.grad.array) in arrays_in_use or leaf.grad.grad_fn is not None
          or leaf.grad.array.shape != array.shape):
        leaf.grad = tensor_module.wrap_array((leaf.grad + grad).array)
    else:
        leaf.grad.array += array
        leaf.grad._version_counter[0] += 1
        return
    arrays_in_use.add(id(leaf.grad.array))


def _run_output_hooks(node, grads, arrays_in_use):
    """Pass the gradient of each output that has hooks (or retain_grad) through them."""
    for index, hooks in node._hooks.items():
        if grads[index] is not None:
            grads[index] = _run_hooks(hooks, grads[index], arrays_in_use)


def _run_hooks(hooks, grad, arrays_in_use):
    """A hook may keep the gradient it sees or returns: neither may become a `.grad` that a later
    pass adds to in place, so both count as in use."""
    arrays_in_use.add(id(grad.array))
    grad = hooks(grad)
    arrays_in_use.add(id(grad.array))
    return grad


def _key(tensor):
    return id(tensor) if tensor.grad_fn is None else (id(tensor.grad_fn), tensor._output_index)


def _targets(inputs):
    return {_key(t) for t in inputs}


def _nodes_leading_to(outputs, targets):
    """The nodes on some path from `outputs` to a target, the only ones `grad` must reach; and,
    among them, those whose backward must run: the ones whose inputs lead on to a target (a node
    reached only because one of its outputs is a target hands over that gradient and stops)."""
    reachable, stack = {}, [o.grad_fn for o in outputs if o.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in reachable:
            continue
        reachable[id(node)] = node
        stack.extend(edge[0] for edge in node.edges if edge is not None and edge[0] is not None)

    needed, running = set(), set()
    # Inputs always sit at lower positions than their consumers, so one pass
    # in increasing position settles each node after all of its inputs.
    for node in sorted(reachable.values(), key=lambda n: n.position):
        for edge in node.edges:
            if edge is None:
                continue
            producer, leaf_or_index = edge
            if (id(leaf_or_index) in targets) if producer is None else producer in needed:
                running.add(node)
                break
        if node in running or any((id(node), i) in targets
                                   for i in range(len(node.output_shapes))):
            needed.add(node)
    return needed, running
