"""The parity report card: run the whole parity table and write PARITY.md.

    python -m parity_tests.report [--profile ci|thorough] [--seed N] [--output PARITY.md]
                                  [--rows PATTERN]
                                  [--skip-curves] [--mutation-results FILE.json | --skip-mutation]

Every row of the table (op_table.py) runs through test_parity.py's own tests,
through hypothesis with the profile's number of examples, on every device
minigrad sees (the CPU, and 'cuda' where CuPy sees a GPU). While they run,
test_parity.RECORDER collects each comparison's worst error; the report then
gives, per row: the public names it covers, the derivative formula from the
docstring of each minigrad Function the row's graph runs (the formula
`minigrad.autograd.trace` shows), the worst errors of the forward value,
gradient and Hessian-vector product in float32 (in units of eps32 * S, the
float32 rule of conditioning.py, and relative) and float64 (relative to
torch's float64 result), whether gradcheck and gradgradcheck passed, and the
examples run (the errors are defined in test_parity.record).

Below the table: the training-curve parity of test_curves.py's runs (skipped
with --skip-curves or when MNIST is missing), the mutation check's catch rate
(python -m parity_tests.mutation, run here unless --mutation-results gives its
saved JSON or --skip-mutation), and where minigrad deliberately differs from
PyTorch. --seed N fixes the random examples of the thorough profile (as
pytest's --hypothesis-seed does; the ci profile is derandomized anyway), so a
thorough run can be repeated. --rows PATTERN (a regular expression searched in the row names)
runs part of the table, for a quick look; the committed PARITY.md comes from
the whole table (parity_tests/test_report.py checks that it has every row).
"""
import argparse
import collections
import datetime
import json
import platform
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import conftest  # noqa: E402 - registers the hypothesis profiles
import numpy as np  # noqa: E402
import torch  # noqa: E402
from hypothesis import settings  # noqa: E402

import conditioning  # noqa: E402
import minigrad as mg  # noqa: E402
import test_parity  # noqa: E402
from minigrad.autograd.trace import formula_of  # noqa: E402
from op_table import ENTRIES  # noqa: E402

TESTS = {  # column name: (test, the rows it runs on)
    "forward": (test_parity.test_forward, test_parity.ENTRIES),
    "gradient": (test_parity.test_gradient, test_parity.DIFFERENTIABLE),
    "gradcheck": (test_parity.test_gradcheck, test_parity.FINITE_DIFFERENCES),
    "second derivatives": (test_parity.test_second_derivatives, test_parity.SECOND_ORDER),
    "gradgradcheck": (test_parity.test_gradgradcheck, test_parity.FINITE_DIFFERENCES_SECOND_ORDER),
}
KINDS = ("forward", "gradient", "HVP")

# Where minigrad deliberately gives another answer than PyTorch, and why.
DIFFERENCES = [
    ("scatter with a src larger than its index",
     "torch's backward refuses it (an error); minigrad sends the src elements that were not "
     "written a gradient of zeros, which is what the forward computes (op_table_tensor.py)."),
    ("number % tensor (Tensor.__rmod__)",
     "torch has no derivative for it (backward raises); minigrad's is d/db (a mod b) = -floor(a/b), "
     "the derivative almost everywhere, as for tensor % tensor (op_table_math.py)."),
    ("prod: second derivative near underflow",
     "torch's second derivative goes through y / x_i and underflows to 0 when a factor is as "
     "tiny as 1e-247; minigrad multiplies the other factors and stays exact (op_table_tensor.py)."),
    ("hardsigmoid's gradient",
     "torch's CPU kernel multiplies by 1/6 rounded to float32 (0.1666666716) also in float64, "
     "3e-8 relative off; minigrad uses the exact 1/6, which finite differences confirm "
     "(the row's float64 tolerance is 1e-7 for that reason)."),
    ("binary_cross_entropy's second derivative",
     "torch's double backward adds eps = 1e-12 to x and 1 - x; minigrad differentiates the "
     "formula as written (the row's float64 tolerance says how far that moves it)."),
]


# ---------------------------------------------------------------------------
# running the table and collecting what the comparisons saw
# ---------------------------------------------------------------------------


class Collector:
    """Listens to test_parity (RECORDER, draw_case, run_both) while the table runs."""

    def __init__(self):
        self.device = "cpu"
        self.test = None
        # (device, row) -> dtype -> kind -> {"relative": worst, "rounding units": worst}
        self.errors = collections.defaultdict(
            lambda: collections.defaultdict(lambda: collections.defaultdict(dict)))
        self.examples = collections.Counter()   # (device, row, test) -> examples drawn
        self.formulas = {}                     # row -> [(Function name, formula)]

    def __enter__(self):
        self._saved = test_parity.RECORDER, test_parity.draw_case, test_parity.run_both
        draw_case, run_both = test_parity.draw_case, test_parity.run_both

        def counted_draw_case(data, entry):
            self.examples[self.device, entry.name, self.test] += 1
            return draw_case(data, entry)

        def run_both_reading_formulas(entry, *args):
            result = run_both(entry, *args)
            if entry.name not in self.formulas:
                self.formulas[entry.name] = functions_run(result[1])
            return result

        test_parity.RECORDER = self.record
        test_parity.draw_case = counted_draw_case
        test_parity.run_both = run_both_reading_formulas
        return self

    def __exit__(self, *exc_info):
        test_parity.RECORDER, test_parity.draw_case, test_parity.run_both = self._saved

    def record(self, entry, dtype, what, errors):
        kind = ("forward" if what.startswith("output") else
                "HVP" if what.startswith("Hessian") else "gradient")
        worst = self.errors[self.device, entry.name][dtype][kind]
        for name, value in errors.items():
            worst[name] = max(worst.get(name, 0.0), float(value))


def functions_run(outputs):
    """The minigrad Functions whose nodes made `outputs`, from the inputs on: [(name, formula)]."""
    seen, order, stack = set(), [], [t.grad_fn for t in outputs if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node.function)
        stack.extend(producer for producer, _ in filter(None, node.edges) if producer is not None)
    named = {}
    for function in reversed(order):
        named.setdefault(function.__name__, formula_of(function))
    return list(named.items())


def run_table(entries, devices, profile, random_seed, progress):
    """Run every test of every row on every device under the hypothesis profile (and seed);
    returns (collector, failures, seconds)."""
    tests = {name: (test_parity.under_settings(test, settings.get_profile(profile), random_seed),
                    rows) for name, (test, rows) in TESTS.items()}
    failures = {}  # (device, row, test) -> first line of the failure
    start = time.time()
    with Collector() as collector:
        total = len(entries) * len(devices)
        done = 0
        for device in devices:
            collector.device = device
            for entry in entries:
                done += 1
                progress(f"[{done}/{total}] {device} {entry.name} ({time.time() - start:.0f} s)")
                for test_name, (test, rows) in tests.items():
                    if entry not in rows:
                        continue
                    collector.test = test_name
                    try:
                        test(entry=entry, device=device)
                    except Exception as error:  # a hypothesis failure
                        text = str(error).strip().splitlines()
                        failures[device, entry.name, test_name] = (
                            text[0] if text else type(error).__name__)
                        progress(f"    FAILED {test_name}: {failures[device, entry.name, test_name]}")
    return collector, failures, time.time() - start


# ---------------------------------------------------------------------------
# training curves (test_curves.py's runs)
# ---------------------------------------------------------------------------


def curve_parity(progress):
    """test_curves.py's float32 and float64 runs, their largest per-step gaps; or a reason."""
    import test_curves as curves
    try:
        train_set, _ = curves.mnist_splits()
    except FileNotFoundError as error:
        return f"not run: MNIST not found ({error}); set MINIGRAD_DATA."
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as test_curves does
    lines = ["| model | dtype | steps, batch, optimiser | largest gap, minigrad vs torch float64 "
             "| torch float32 vs torch float64 |", "|---|---|---|---|---|"]
    try:
        for name in ("mlp", *curves.LENETS):
            progress(f"curves: {name} float64")
            models = curves.copies(name, [(mg, "float64"), curves.EXACT])
            losses = curves.train(models, train_set, 100, 32, curves.sgd_with_momentum)
            gap = curves.relative_gaps(losses[mg, "float64"], losses[curves.EXACT]).max()
            lines.append(f"| {name} | float64 | 100, 32, SGD lr 0.05 momentum 0.9 | {gap:.2g} | |")
        for name, steps, batch, optimizer, label in (
                ("mlp", 300, 200, curves.tutorial_sgd, "SGD lr 0.01"),
                ("lenet", 300, 128, curves.gentle_sgd, "SGD lr 0.03"),
                ("lenet-modern", 100, 128, curves.gentle_sgd, "SGD lr 0.03")):
            progress(f"curves: {name} float32")
            models = curves.copies(name, [curves.MINIGRAD_FLOAT32, curves.TORCH_FLOAT32,
                                          curves.EXACT])
            losses = curves.train(models, train_set, steps, batch, optimizer)
            minigrad_drift, torch_drift = curves.float32_drifts(losses)
            lines.append(f"| {name} | float32 | {steps}, {batch}, {label} | "
                         f"{minigrad_drift[-1]:.2g} | {torch_drift[-1]:.2g} |")
    finally:
        torch.set_num_threads(threads)
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# writing PARITY.md
# ---------------------------------------------------------------------------


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cell(text):
    """Text for a markdown table cell: pipes escaped, lines joined with <br>."""
    return "<br>".join(str(text).replace("|", "\\|").splitlines())


def row_name_cell(name):
    """The row name as PARITY.md writes it (test_report.py reads it back)."""
    return cell(f"`{name}`")


def float32_cell(worst):
    if not worst:
        return "–"
    return f"{worst['rounding units']:.2f} ({worst['relative']:.1e})"


def float64_cell(worst):
    if not worst:
        return "–"
    parts = [f"{worst['relative']:.1e}"] if "relative" in worst else []
    if "absolute" in worst:
        parts.append(f"abs {worst['absolute']:.0e} at ≈0")
    return "; ".join(parts)


def test_cell(device, row, test_name, entry_rows, entry, failures):
    if entry not in entry_rows:
        return "–"
    return "FAIL" if (device, row, test_name) in failures else "pass"


def device_summary(collector, failures, device, entry):
    failed = [t for (d, r, t) in failures if d == device and r == entry.name]
    if failed:
        return "FAIL: " + ", ".join(failed)
    errors = collector.errors[device, entry.name]
    units = max((w.get("rounding units", 0.0) for w in errors["float32"].values()), default=0.0)
    relative = max((w.get("relative", 0.0) for w in errors["float64"].values()), default=0.0)
    return f"pass; float32 {units:.2f}, float64 {relative:.1e}"


def rule_text():
    doc = conditioning.__doc__
    return doc[doc.index("  exact"):doc.index("\nS is")].rstrip()


def markdown(entries, devices, profile, random_seed, collector, failures, seconds, curves,
             mutation_results, partial):
    examples = settings.get_profile(profile).max_examples
    main_device = devices[0]
    lines = [
        "# Parity with PyTorch: the report card",
        "",
        f"Written by `python -m parity_tests.report --profile {profile}"
        + ("" if random_seed is None else f" --seed {random_seed}") + "` on "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC "
        f"({seconds / 60:.0f} min for the table).",
        "",
        f"- machine: {cpu_model()}; devices: {', '.join(devices)}"
        + ("" if "cuda" in devices else " (no GPU seen by CuPy: no cuda column)"),
        f"- versions: minigrad {mg.__version__}, numpy {np.__version__}, torch {torch.__version__}, "
        f"python {platform.python_version()}",
        f"- hypothesis profile `{profile}`: up to {examples} examples per row and test"
        + ("" if random_seed is None else f", seed {random_seed}"),
        f"- rows: {len(entries)}" + (" (PART of the table: --rows)" if partial else
                                     " (the whole table)"),
        "",
        "## How values are judged",
        "",
        "float64: against torch's float64 result at the row's tolerance (default 1e-10 "
        "relative, 1e-12 absolute; op_entry.py). float32, by the numbers' own conditioning "
        "(stated in parity_tests/conditioning.py):",
        "",
        "```",
        rule_text(),
        "```",
        "",
        "Columns: float32 errors as the worst `|minigrad - exact| / (eps32 S)` (the rule accepts "
        f"up to {conditioning.FACTOR}) and, in brackets, the worst relative error "
        "`max |minigrad - exact| / max S` over a tensor (S >= |exact|; an exact answer that "
        "cancels to about 0 has no size of its own); float64 errors as the worst relative error "
        "`max |minigrad - torch| / max |torch|` against torch's float64 result, or, where torch's "
        "result is within the row's atol of 0, the absolute error (`abs ... at ≈0`). HVP: Hessian-vector products through "
        "create_graph=True. gradcheck and gradgradcheck: central differences in float64. "
        "Examples: forward · gradient · gradcheck · second derivatives · gradgradcheck. "
        "– : not checked for that row (not differentiable, or no second derivatives, or "
        "finite differences cannot check it: see the row in op_table*.py).",
        "",
        "## The table",
        "",
    ]
    header = ["row", "covers", "derivative (from the docstring)", "f32 forward", "f32 gradient",
              "f32 HVP", "f64 forward", "f64 gradient", "f64 HVP", "gradcheck", "gradgradcheck",
              "examples"] + [d for d in devices[1:]]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for entry in entries:
        errors = collector.errors[main_device, entry.name]
        formulas = collector.formulas.get(entry.name, [])
        derivative = ("not differentiable" if not entry.grad else
                      "\n".join(f"{name}: {formula}" for name, formula in formulas) or "–")
        counts = "·".join(
            str(collector.examples[main_device, entry.name, t]) if entry in rows else "–"
            for t, (_, rows) in TESTS.items())
        row = [row_name_cell(entry.name), cell(", ".join(entry.covers)), cell(derivative)]
        row += [float32_cell(errors["float32"].get(k)) for k in KINDS]
        row += [float64_cell(errors["float64"].get(k)) for k in KINDS]
        row += [test_cell(main_device, entry.name, t, TESTS[t][1], entry, failures)
                for t in ("gradcheck", "gradgradcheck")]
        row += [counts]
        row += [cell(device_summary(collector, failures, d, entry)) for d in devices[1:]]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", f"Failures: {len(failures)}."]
    for (device, row, test), message in sorted(failures.items()):
        lines.append(f"- {device} `{row}` {test}: {cell(message)}")
    lines += ["", "Largest float32 errors accepted (in eps32 S):", ""]
    worst = sorted(((w.get("rounding units", 0.0), row, kind)
                    for (device, row), by_dtype in collector.errors.items() if device == main_device
                    for kind, w in by_dtype["float32"].items()), reverse=True)[:8]
    lines += [f"- {units:.2f}: `{row}`, {kind}" for units, row, kind in worst]
    lines += ["", "## Training curves", "",
              "test_curves.py's runs (same weights, same MNIST batches): the largest per-step "
              "relative gap of minigrad's loss from torch's float64 curve, and beside it torch's "
              "own float32 curve's.", "", curves, ""]
    lines += ["## Mutation check", ""]
    if mutation_results is None:
        lines.append("Not run (--skip-mutation). Run `python -m parity_tests.mutation`.")
    else:
        import mutation
        lines += [f"`python -m parity_tests.mutation`: each sampled op's Function.backward "
                  f"broken one at a time (every gradient scaled by 1 + 1e-4; for ops of two "
                  f"inputs, one product-rule term dropped), the op's row run in float32 only and "
                  f"float64 only. **Catch rate: {mutation.summary(mutation_results)}.**", "",
                  mutation.table(mutation_results)]
    lines += ["", "## Where minigrad deliberately differs from PyTorch", ""]
    lines += [f"- **{what}**: {why}" for what, why in DIFFERENCES]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="ci", choices=["ci", "thorough"])
    parser.add_argument("--seed", type=int, help="the thorough profile's random seed")
    parser.add_argument("--output", default="PARITY.md")
    parser.add_argument("--rows", help="a regular expression: only the rows whose name it finds")
    parser.add_argument("--skip-curves", action="store_true")
    parser.add_argument("--skip-mutation", action="store_true")
    parser.add_argument("--mutation-results", help="the JSON python -m parity_tests.mutation "
                                                   "--output saved, instead of running it")
    args = parser.parse_args(argv)

    entries = [e for e in ENTRIES if not args.rows or re.search(args.rows, e.name)]
    devices = ["cpu"] + (["cuda"] if mg.cuda.is_available() else [])

    def progress(message):
        print(message, file=sys.stderr, flush=True)

    collector, failures, seconds = run_table(entries, devices, args.profile, args.seed, progress)
    curves = "Not run (--skip-curves)." if args.skip_curves else curve_parity(progress)
    if args.mutation_results:
        mutation_results = json.loads(Path(args.mutation_results).read_text())
    elif args.skip_mutation:
        mutation_results = None
    else:
        import mutation
        mutation_results = mutation.run(progress)
    Path(args.output).write_text(markdown(entries, devices, args.profile, args.seed, collector,
                                          failures, seconds, curves, mutation_results,
                                          partial=bool(args.rows)))
    progress(f"wrote {args.output}: {len(entries)} rows, {len(failures)} failures, "
             f"{seconds:.0f} s for the table")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
