"""Proof that the parity tests still catch wrong derivatives under the float32 rule.

    python -m parity_tests.mutation [--output FILE.json]

For a sample of ops across the families, each op's derivative is broken in one
of two ways, one at a time, by replacing its Function's `backward`:

  scaled by 1 + 1e-4    every gradient the op sends back, 1e-4 relative off
                        (its second derivatives, which differentiate that
                        backward, are off too)
  a product-rule term   for ops of two inputs, the term of one input dropped
  dropped               (its gradient sent back as zeros): d(ab) = b da + a db
                        without a db, and the like

and the op's row of the parity table runs test_gradient and, when the row
checks second derivatives and the gradient test has not failed,
test_second_derivatives, once in float32 only and once in float64 only, on
the `ci` profile's examples (a failure is not shrunk). A mutant is caught in a
dtype when a test fails.
Before the mutants, every sampled row runs unmutated (the control: it must
pass), and a mutant whose backward never ran is reported as not exercised, not
as caught. The table printed ends with the catch rate; `--output` saves the
results as JSON, which `python -m parity_tests.report` runs this check to
obtain (see report.py).
"""
import argparse
import importlib
import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import conftest  # noqa: E402,F401 - registers the hypothesis profiles
from hypothesis import Phase, settings  # noqa: E402

import minigrad as mg  # noqa: E402
import test_parity  # noqa: E402
from op_table import ENTRIES  # noqa: E402


def ops_module(name):
    """minigrad.ops.<name> (importlib: the package's namespace has functions of the same names)."""
    return importlib.import_module(f"minigrad.ops.{name}")


(activations, convolution, elementwise, losses, matmul, nn_ops, normalization, pointwise,
 pooling, reductions, statistics) = map(ops_module, (
    "activations", "convolution", "elementwise", "losses", "matmul", "nn_ops", "normalization",
    "pointwise", "pooling", "reductions", "statistics"))

RELATIVE_ERROR = 1e-4

# (Function, the table row that runs it, family); the Functions of two inputs also get the
# product-rule mutant.
SAMPLE = [
    (elementwise.Mul, "mul", "elementwise"),
    (elementwise.Div, "div", "elementwise"),
    (elementwise.Pow, "pow", "elementwise"),
    (elementwise.Exp, "exp", "elementwise"),
    (elementwise.Log, "log", "elementwise"),
    (elementwise.Sqrt, "sqrt", "elementwise"),
    (pointwise.Atan2, "atan2", "elementwise"),
    (reductions.Sum, "sum", "reductions"),
    (reductions.Mean, "mean", "reductions"),
    (reductions.Norm, "norm", "reductions"),
    (statistics.Prod, "prod", "reductions"),
    (statistics.CumSum, "cumsum", "reductions"),
    (matmul.MatMul, "matmul", "matmul"),
    (nn_ops.Linear, "nn.functional.linear", "matmul"),
    (activations.Sigmoid, "sigmoid", "activations"),
    (activations.Tanh, "tanh", "activations"),
    (activations.Softplus, "softplus", "activations"),
    (activations.LogSoftmax, "log_softmax", "activations"),
    (activations.Softmax, "softmax", "activations"),
    (losses.SoftmaxCrossEntropy,
     "cross_entropy and CrossEntropyLoss (class indices, any N-d: weight, ignore_index, "
     "reduction, label_smoothing)", "losses"),
    (losses.BinaryCrossEntropy, "binary_cross_entropy and BCELoss (weight, reduction)", "losses"),
    (convolution.Conv2d, "conv2d (stride, padding, dilation, groups)", "convolution"),
    (pooling.MaxPool2d,
     "max_pool2d (kernel, stride, padding, dilation, ceil_mode, indices)", "pooling"),
    (pooling.AvgPool2d,
     "avg_pool2d (kernel, stride, padding, ceil_mode, count_include_pad)", "pooling"),
    (normalization.Standardize, "layer_norm (one or two axes, affine or not)", "normalization"),
]
TWO_INPUTS = {elementwise.Mul, elementwise.Div, elementwise.Pow, pointwise.Atan2, matmul.MatMul,
              nn_ops.Linear, convolution.Conv2d}


def _as_tuple(grads):
    return grads if isinstance(grads, tuple) else (grads,)


def scaled(backward):
    def mutant(ctx, *grads):
        return tuple(None if g is None else g * (1 + RELATIVE_ERROR)
                     for g in _as_tuple(backward(ctx, *grads)))
    return mutant


def without_last_input_term(backward):
    def mutant(ctx, *grads):
        sent = list(_as_tuple(backward(ctx, *grads)))
        last = max(i for i, g in enumerate(sent) if g is not None)
        sent[last] = mg.zeros_like(sent[last])
        return tuple(sent)
    return mutant


MUTATIONS = {"scaled by 1 + 1e-4": scaled, "product-rule term dropped": without_last_input_term}


@contextmanager
def mutated(function, mutation):
    """`function.backward` replaced by `mutation` of it; yields a list counting its calls."""
    original = function.__dict__["backward"]
    calls = []
    broken = mutation(original.__func__)

    def counted(ctx, *grads):
        calls.append(1)
        return broken(ctx, *grads)

    function.backward = staticmethod(counted)
    try:
        yield calls
    finally:
        function.backward = original


@contextmanager
def only_dtype(dtype):
    saved = test_parity.DTYPES
    test_parity.DTYPES = (dtype,)
    try:
        yield
    finally:
        test_parity.DTYPES = saved


PROFILE = settings(settings.get_profile("ci"), database=None,
                   phases=[Phase.explicit, Phase.generate])
"""The `ci` examples, without shrinking and without hypothesis's example database: a failure is
all this check needs to see."""
TESTS = {test.__name__: test_parity.under_settings(test, PROFILE)
         for test in (test_parity.test_gradient, test_parity.test_second_derivatives)}


def failure(entry, dtype, device="cpu"):
    """The first line of what the row's derivative tests report in `dtype`, or None if they pass."""
    tests = [TESTS["test_gradient"]]
    if entry.second_order:
        tests.append(TESTS["test_second_derivatives"])
    with only_dtype(dtype):
        for test in tests:
            try:
                test(entry=entry, device=device)
            except Exception as error:  # a hypothesis failure: AssertionError, or a group of them
                text = str(error).strip().splitlines()
                return f"{test.__name__}: {text[0] if text else type(error).__name__}"
    return None


def run(progress=print):
    """Every mutant of the sample, in float32 and float64: a list of result dicts."""
    rows = {e.name: e for e in ENTRIES}
    results = []
    for function, row, family in SAMPLE:
        entry = rows[row]
        control = {dtype: failure(entry, dtype) for dtype in ("float32", "float64")}
        for name, mutation in MUTATIONS.items():
            if name == "product-rule term dropped" and function not in TWO_INPUTS:
                continue
            result = {"function": function.__name__, "row": row, "family": family,
                      "mutation": name, "control": control}
            for dtype in ("float32", "float64"):
                with mutated(function, mutation) as calls:
                    caught = failure(entry, dtype)
                result[dtype] = ("not exercised" if not calls else
                                 "caught" if caught else "missed")
                result[f"{dtype} by"] = caught
            results.append(result)
            progress(f"[{len(results)}] {function.__name__:<22} {name:<26} "
                     f"float32 {result['float32']:<8} float64 {result['float64']}")
    return results


def catch_rate(results):
    """(caught, mutants): a mutant counts as caught when it is caught in float32 and in float64."""
    caught = sum(r["float32"] == "caught" and r["float64"] == "caught" for r in results)
    return caught, len(results)


def summary(results):
    caught, total = catch_rate(results)
    ops = len({r["function"] for r in results})
    families = len({r["family"] for r in results})
    return (f"{caught}/{total} mutants caught in both float32 and float64 "
            f"({ops} ops, {families} families)")


def table(results):
    lines = ["| op (Function) | row | family | mutation | float32 | float64 |",
             "|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['function']} | {r['row']} | {r['family']} | {r['mutation']} | "
                     f"{r['float32']} | {r['float64']} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", help="save the results as JSON here")
    args = parser.parse_args(argv)
    start = time.time()
    results = run()
    print()
    print(table(results))
    controls = [(r["row"], d, r["control"][d]) for r in results for d in r["control"]
                if r["control"][d]]
    for row, dtype, problem in sorted(set(controls)):
        print(f"control failed (unmutated): {row} [{dtype}]: {problem}")
    print(f"\n{summary(results)}; {time.time() - start:.0f} s")
    if args.output:
        Path(args.output).write_text(json.dumps(results, indent=1))
    caught, total = catch_rate(results)
    return 0 if caught == total and not controls else 1


if __name__ == "__main__":
    sys.exit(main())
