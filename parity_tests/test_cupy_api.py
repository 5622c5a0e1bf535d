"""Every NumPy name minigrad's code reaches for exists in CuPy too, and a GPU that CuPy
cannot see is a clear error: checked without a GPU.

The CUDA half of the suite runs only where a GPU is lent. This check needs
just CuPy itself (`pip install -e ".[gpu]"` imports on any machine; a GPU is
needed only to make arrays), and catches what would break first on a GPU:
an op calling an `xp.` function, an array method or an array flag that
NumPy has and CuPy lacks.
"""
import ast
import functools
import inspect
import re
from pathlib import Path

import numpy
import pytest

import minigrad as mg

cupy = pytest.importorskip("cupy", reason="CuPy is not installed (pip install -e '.[gpu]')")

SOURCE = Path(__file__).resolve().parent.parent / "minigrad"


def source_text():
    """minigrad's code, but for backend.py: the one place that tells NumPy from CuPy and
    handles what only one of them has behind `isinstance` checks; and but for vision/, which
    works on Pillow images and NumPy arrays on the CPU (its `.resize` is Pillow's)."""
    return "\n".join(path.read_text() for path in sorted(SOURCE.rglob("*.py"))
                     if path.name != "backend.py" and path.relative_to(SOURCE).parts[0] != "vision")


def test_every_array_module_function_minigrad_calls_exists_in_cupy():
    names = set(re.findall(r"\bxp\.([A-Za-z_][A-Za-z_0-9.]*)", source_text()))
    assert len(names) > 30, "the pattern no longer finds minigrad's xp. calls"
    missing = []
    for name in sorted(names):
        try:
            functools.reduce(getattr, name.split("."), cupy)
        except AttributeError:
            missing.append(name)
    assert not missing, f"minigrad calls xp.{missing} that CuPy {cupy.__version__} lacks"


def test_no_array_attribute_minigrad_uses_is_numpy_only():
    """Any `.name` in minigrad's code that NumPy arrays have and CuPy arrays lack."""
    names = set(re.findall(r"\.([A-Za-z_][A-Za-z_0-9]*)\b", source_text()))
    numpy_only = (names & set(dir(numpy.ndarray))) - set(dir(cupy.ndarray))
    assert not numpy_only, f"array attributes CuPy {cupy.__version__} lacks: {sorted(numpy_only)}"


def test_no_array_flag_minigrad_reads_is_numpy_only():
    flags = set(re.findall(r"\.flags\.([A-Za-z_]+)", source_text()))
    cupy_flags = {name for name in dir(cupy._core.flags.Flags) if not name.startswith("_")}
    assert flags <= cupy_flags, f"NumPy-only flags read on arrays: {sorted(flags - cupy_flags)}"


@pytest.mark.skipif(mg.cuda.is_available(), reason="a GPU is present: 'cuda' works here")
@pytest.mark.parametrize("make", [lambda: mg.zeros(3).to("cuda"), lambda: mg.ones(2, device="cuda:1"),
                                  lambda: mg.randn(2, device="cuda"), lambda: mg.nn.Linear(2, 2).cuda()],
                         ids=["to", "creation", "random", "module"])
def test_asking_for_a_gpu_that_cupy_cannot_see_is_a_clear_runtime_error(make):
    """With CuPy installed but no GPU (or no driver), as here, not CuPy's own CUDA error."""
    with pytest.raises(RuntimeError, match="Found no NVIDIA GPU that CuPy .* can use"):
        make()


def xp_calls():
    """{function name under xp: keyword names passed to it} over minigrad's code (backend.py aside)."""
    calls = {}
    for path in sorted(SOURCE.rglob("*.py")):
        if path.name == "backend.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            chain, owner = [], node.func
            while isinstance(owner, ast.Attribute) and owner.attr != "xp":
                chain.append(owner.attr)
                owner = owner.value
            if (isinstance(owner, ast.Name) and owner.id == "xp") or isinstance(owner, ast.Attribute):
                name = ".".join(reversed(chain))
                calls.setdefault(name, set()).update(k.arg for k in node.keywords if k.arg)
    return calls


def test_every_keyword_minigrad_passes_an_xp_function_is_one_cupy_takes():
    calls = xp_calls()
    assert "negative" in calls and "out" in calls["negative"], "the walk no longer finds xp. calls"
    refused = []
    for name, keywords in calls.items():
        function = functools.reduce(getattr, name.split("."), cupy)
        if isinstance(function, cupy.ufunc):
            accepted = {"out", "dtype", "casting"}
        else:
            parameters = inspect.signature(function).parameters
            if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
                continue
            accepted = set(parameters)
        refused += [f"xp.{name}({keyword}=...)" for keyword in sorted(keywords - accepted)]
    assert not refused, f"keywords CuPy {cupy.__version__} does not take: {refused}"
