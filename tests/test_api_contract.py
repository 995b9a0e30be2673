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
    "tinygrad_ce": (
        "Tensor Function no_grad gradcheck GradcheckError functional nn optim datasets data viz "
        "manual_seed zeros ones full zeros_like ones_like arange randn rand tensor from_numpy "
        "jacobian cat stack maximum minimum clip where full_like enable_grad set_grad_enabled "
        "is_grad_enabled eye linspace randint randperm allclose"
    ).split(),
    "tinygrad_ce.functional": (
        "softmax log_softmax logsumexp one_hot nll_loss cross_entropy "
        "binary_cross_entropy_with_logits binary_cross_entropy kl_div relu sigmoid tanh "
        "leaky_relu dropout mse_loss l1_loss softplus elu gelu silu logsigmoid hardtanh"
    ).split(),
    "tinygrad_ce.nn": (
        "Module Parameter Linear Sequential ReLU Tanh Sigmoid LeakyReLU Softmax LogSoftmax "
        "Flatten Identity Dropout CrossEntropyLoss NLLLoss BCEWithLogitsLoss BCELoss MSELoss "
        "L1Loss KLDivLoss save load utils"
    ).split(),
    "tinygrad_ce.optim": ["SGD", "Adam", "AdamW", "lr_scheduler"],
    "tinygrad_ce.optim.lr_scheduler": ["StepLR", "CosineAnnealingLR", "LambdaLR"],
    "tinygrad_ce.data": ["TensorDataset", "DataLoader"],
    "tinygrad_ce.datasets": (
        "load_iris load_digits make_moons make_blobs make_spiral train_test_split Standardizer "
        "iterate_minibatches"
    ).split(),
    "tinygrad_ce.viz": ["to_dot", "to_svg", "to_html", "draw", "trace"],
    "tinygrad_ce.testing": ["check_op", "OpCase", "OP_TABLE"],
}

TENSOR_SURFACE = (
    "data grad requires_grad shape ndim dtype size numpy item detach tolist backward retain_grad "
    "zero_ fill_ copy_ add_ sub_ mul_ exp log sum mean max reshape transpose T relu tanh sigmoid "
    "abs sqrt sin cos min cumsum clamp clip var std prod flip expand repeat unflatten gather "
    "masked_fill remainder sign floor ceil round trunc tan log2 rsqrt all any argmin argmax isnan "
    "isinf isfinite float double long int bool to squeeze unsqueeze view flatten numel dim "
    "__add__ __sub__ __mul__ __truediv__ __neg__ __pow__ __matmul__ __getitem__ __mod__ "
    "__floordiv__ __eq__ __lt__ t permute clone contiguous pow mul add sub div eq ne lt le gt ge "
    "softmax log_softmax requires_grad_ is_floating_point new_zeros new_ones new_full clamp_min "
    "clamp_max"
).split()

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


def test_the_tensor_has_the_contracts_surface():
    t = tg.Tensor([1.0, 2.0])
    missing = [name for name in TENSOR_SURFACE if not hasattr(t, name)]
    assert not missing
    assert callable(tg.nn.utils.clip_grad_norm_)


def test_submodules_are_attributes_after_a_plain_import():
    for name in ("functional", "nn", "optim", "datasets", "data", "viz"):
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
