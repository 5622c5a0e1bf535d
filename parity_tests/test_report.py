"""The report card stays honest, and parity_tests/README.md's worked example works.

- PARITY.md (python -m parity_tests.report) must have a line for every row of
  the table: a row added without regenerating the report fails here. Cheap: the
  names are read back, the table is not run.
- The README's custom Function (softsign) goes through every generic parity
  test, and the same Function with a gradient 1e-4 off is caught in float32.
"""
import re
from pathlib import Path

import pytest

import mutation
import test_parity
from op_table import ENTRIES
from report import row_name_cell

HERE = Path(__file__).resolve().parent
PARITY = HERE.parent / "PARITY.md"


def report_rows():
    """The row names PARITY.md's table has (its first cells, as report.py writes them)."""
    return {line.split(" | ")[0][2:] for line in PARITY.read_text().splitlines()
            if line.startswith("| `")}


def test_parity_report_has_every_row_of_the_table():
    assert PARITY.exists(), "PARITY.md is missing: run python -m parity_tests.report"
    missing = [e.name for e in ENTRIES if row_name_cell(e.name) not in report_rows()]
    assert not missing, (f"PARITY.md lacks {len(missing)} rows of the parity table, e.g. "
                         f"{missing[:5]}: regenerate it with python -m parity_tests.report")
    assert "PART of the table" not in PARITY.read_text(), (
        "PARITY.md was written from part of the table (--rows): regenerate it whole")


def test_mutation_sample_names_rows_of_the_table():
    names = {e.name for e in ENTRIES}
    stale = [row for _, row, _ in mutation.SAMPLE if row not in names]
    assert not stale, f"mutation.SAMPLE names rows the table no longer has: {stale}"


def worked_example():
    """The README's python block, run: its namespace."""
    text = (HERE / "README.md").read_text()
    (code,) = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    namespace = {}
    exec(compile(code, "parity_tests/README.md", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("test", [test_parity.test_forward, test_parity.test_gradient,
                                  test_parity.test_gradcheck, test_parity.test_second_derivatives,
                                  test_parity.test_gradgradcheck], ids=lambda t: t.__name__)
def test_readme_worked_example_passes_the_generic_tests(test):
    test(entry=worked_example()["SOFTSIGN"], device="cpu")


def test_readme_worked_example_with_a_wrong_gradient_is_caught_in_float32():
    example = worked_example()
    softsign = example["Softsign"]
    with mutation.mutated(softsign, mutation.scaled) as calls, mutation.only_dtype("float32"):
        with pytest.raises(AssertionError, match="eps32"):
            test_parity.test_gradient(entry=example["SOFTSIGN"], device="cpu")
    assert calls


def test_worked_example_formula_comes_from_its_docstring():
    from minigrad.autograd.trace import formula_of
    assert formula_of(worked_example()["Softsign"]) == "x / (1 + |x|). d/dx = 1 / (1 + |x|)²"
