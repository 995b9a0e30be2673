"""The public names of ../shared/API.md exist, with the contract's signatures; docs/api.md is
in sync with the docstrings."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import pytest

import tinygrad_ce as tg

ROOT = Path(__file__).resolve().parent.parent

CONTRACT = {
    "tinygrad_ce": [
        "Tensor",
        "Function",
        "no_grad",
        "gradcheck",
        "GradcheckError",
        "functional",
        "nn",
        "optim",
        "datasets",
    ],
    "tinygrad_ce.functional": [
        "softmax",
        "log_softmax",
        "logsumexp",
        "one_hot",
        "nll_loss",
        "cross_entropy",
        "binary_cross_entropy_with_logits",
        "binary_cross_entropy",
        "kl_div",
    ],
    "tinygrad_ce.nn": [
        "Module",
        "Parameter",
        "Linear",
        "Sequential",
        "ReLU",
        "Tanh",
        "CrossEntropyLoss",
        "NLLLoss",
        "BCEWithLogitsLoss",
        "save",
        "load",
    ],
    "tinygrad_ce.optim": ["SGD", "Adam"],
    "tinygrad_ce.datasets": ["load_iris"],
}

SIGNATURES = {
    (tg, "gradcheck"): "(fn, inputs, eps=1e-06, atol=1e-05, rtol=0.001)",
    (tg.Tensor, "__init__"): "(self, data, requires_grad=False, dtype=None)",
    (tg.Tensor, "backward"): "(self, grad=None, retain_graph=False)",
}


@pytest.mark.parametrize("module_name", CONTRACT)
def test_contract_names_exist_and_are_exported(module_name):
    module = importlib.import_module(module_name)
    for name in CONTRACT[module_name]:
        assert hasattr(module, name), f"{module_name}.{name} is missing"
        assert name in module.__all__, f"{module_name}.{name} is not in __all__"


def test_submodules_are_attributes_after_a_plain_import():
    for name in ("functional", "nn", "optim", "datasets"):
        assert inspect.ismodule(getattr(tg, name))
    from tinygrad_ce import functional as F

    assert F is tg.functional


def test_contract_signatures():
    for (owner, name), expected in SIGNATURES.items():
        assert str(inspect.signature(getattr(owner, name))) == expected
    F = tg.functional
    assert list(inspect.signature(F.cross_entropy).parameters)[:6] == [
        "input",
        "target",
        "weight",
        "ignore_index",
        "reduction",
        "label_smoothing",
    ]
    assert list(inspect.signature(tg.optim.SGD).parameters)[:6] == [
        "params",
        "lr",
        "momentum",
        "dampening",
        "weight_decay",
        "nesterov",
    ]
    assert list(inspect.signature(tg.optim.Adam).parameters)[:5] == [
        "params",
        "lr",
        "betas",
        "eps",
        "weight_decay",
    ]


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(tg.GradcheckError, AssertionError)


def test_api_reference_is_in_sync_with_the_docstrings():
    spec = importlib.util.spec_from_file_location("make_api", ROOT / "docs" / "make_api.py")
    make_api = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_api)
    expected = make_api.render()
    actual = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/api.md is out of date: run python docs/make_api.py"
    for module_name, names in CONTRACT.items():
        for name in names:
            assert name in actual, f"{module_name}.{name} missing from docs/api.md"
