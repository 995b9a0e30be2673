"""Write docs/api.md, the API reference, from the public names' signatures and docstrings.

    python docs/make_api.py          # rewrite docs/api.md
    python docs/make_api.py --check  # exit 1 if docs/api.md is out of date (the tests do this)

The public names are each module's ``__all__``; classes list their public methods too.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODULES = [
    ("tinygrad_ce", "The top level: tensors, the op API, no_grad, gradcheck."),
    ("tinygrad_ce.functional", "Losses and activations composed from the primitive ops."),
    ("tinygrad_ce.nn", "Modules, layers, loss modules, saving and loading."),
    ("tinygrad_ce.nn.utils", "clip_grad_norm_."),
    ("tinygrad_ce.optim", "Optimizers with PyTorch's update rules."),
    ("tinygrad_ce.optim.lr_scheduler", "Learning-rate schedulers, as PyTorch's."),
    ("tinygrad_ce.data", "TensorDataset and DataLoader, as PyTorch's."),
    ("tinygrad_ce.datasets", "Iris, digits, toy generators, and helpers to split and batch."),
    ("tinygrad_ce.viz", "Pictures of the graph (SVG, DOT), a backward stepper, a narrated trace."),
    ("tinygrad_ce.testing", "hypothesis strategies and check_op, for testing new ops."),
]


def signature(obj):
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return ""


def doc_block(obj):
    doc = inspect.getdoc(obj)
    if not doc:
        return ["(no docstring)", ""]
    return ["```text", *doc.splitlines(), "```", ""]


def class_members(cls):
    """Public methods and properties the package defines on the class or its own base classes
    (``Tensor``'s come from ``TensorMethods`` too; anything a script attached is left out)."""
    members, seen = [], set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("tinygrad_ce"):
            continue
        for name, value in vars(klass).items():
            if name in seen or (name.startswith("_") and name != "__call__"):
                continue
            seen.add(name)
            if isinstance(value, staticmethod | classmethod):
                value = value.__func__
            function = value.fget if isinstance(value, property) else value
            if inspect.isfunction(function) and function.__module__.startswith("tinygrad_ce"):
                members.append((name, value))
    return members


def module_section(module_name, summary):
    module = importlib.import_module(module_name)
    lines = [f"## `{module_name}`", "", summary, ""]
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.ismodule(obj):
            lines += [f"### `{module_name}.{name}`", "", f"The sub-module `{obj.__name__}`.", ""]
            continue
        kind = "class " if inspect.isclass(obj) else ""
        lines += [f"### {kind}`{name}{signature(obj)}`", ""]
        lines += doc_block(obj)
        if inspect.isclass(obj):
            for member, value in class_members(obj):
                if isinstance(value, property):
                    lines += [f"#### `{name}.{member}` (property)", ""]
                    lines += doc_block(value.fget) if value.fget.__doc__ else []
                else:
                    lines += [f"#### `{name}.{member}{signature(value)}`", ""]
                    lines += doc_block(value) if value.__doc__ else []
    return lines


def render():
    lines = [
        "# API reference",
        "",
        "Generated from the docstrings by `python docs/make_api.py`; a test fails when this page",
        "and the code disagree. The examples in the docstrings run in the test suite too.",
        "",
    ]
    for module_name, summary in MODULES:
        lines += module_section(module_name, summary)
    return "\n".join(lines).rstrip() + "\n"


def main(argv):
    target = ROOT / "docs" / "api.md"
    text = render()
    if "--check" in argv:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            print("docs/api.md is out of date: run python docs/make_api.py")
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
