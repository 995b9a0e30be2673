"""tinygrad_ce.nn: module bookkeeping, layers, state dicts, save/load, loss modules."""

from __future__ import annotations

import os
import zipfile

import numpy as np
import pytest

from tinygrad_ce import Tensor, nn
from tinygrad_ce import functional as F


class Block(nn.Module):
    """A custom module mixing a Parameter, plain attributes and a nested Sequential."""

    def __init__(self, rng):
        self.scale = nn.Parameter(np.ones(3))
        self.not_a_parameter = Tensor(np.zeros(3), requires_grad=True)  # plain Tensor: ignored
        self.layers = nn.Sequential(nn.Linear(4, 5, rng=rng), nn.Tanh(), nn.Linear(5, 3, rng=rng))
        self.note = "anything"
        self.head = nn.Linear(3, 2, rng=rng)

    def forward(self, x):
        return self.head(self.layers(x) * self.scale)


def make_block(seed=0):
    return Block(np.random.default_rng(seed))


def snapshot(module):
    """Deep copy of every parameter value and grad, to check a module was left unchanged."""
    return [
        (name, p.data.copy(), None if p.grad is None else p.grad.copy())
        for name, p in module._all_named_parameters()
    ]


def assert_unchanged(module, before):
    after = snapshot(module)
    assert [name for name, _, _ in after] == [name for name, _, _ in before]
    for (name, data, grad), (_, data0, grad0) in zip(after, before):
        np.testing.assert_array_equal(data, data0, err_msg=name)
        if grad0 is None:
            assert grad is None, name
        else:
            np.testing.assert_array_equal(grad, grad0, err_msg=name)


# --------------------------------------------------------------------------- Parameter


def test_parameter_is_a_tensor_that_requires_grad_and_copies_its_data():
    source = np.arange(3.0)
    p = nn.Parameter(source)
    assert isinstance(p, Tensor) and p.requires_grad and p.is_leaf
    source[0] = 99.0
    assert p.data[0] == 0.0
    assert type(p * 2) is Tensor
    assert not nn.Parameter(source, requires_grad=False).requires_grad
    assert "Parameter containing" in repr(p)


def test_parameter_rejects_integer_data():
    with pytest.raises(TypeError, match="floating"):
        nn.Parameter(np.arange(3))


# --------------------------------------------------------------------------- discovery


def test_parameters_are_found_in_nested_modules_with_dotted_names():
    block = make_block()
    names = [name for name, _ in block.named_parameters()]
    assert names == [
        "scale",
        "layers.0.weight",
        "layers.0.bias",
        "layers.2.weight",
        "layers.2.bias",
        "head.weight",
        "head.bias",
    ]
    params = list(block.parameters())
    assert len(params) == 7 and all(isinstance(p, nn.Parameter) for p in params)
    assert params[1] is block.layers[0].weight
    assert not any(p is block.not_a_parameter for p in params)


def test_named_parameters_prefix_and_named_modules():
    block = make_block()
    assert next(iter(block.named_parameters(prefix="model")))[0] == "model.scale"
    assert [name for name, _ in block.named_modules()] == [
        "",
        "layers",
        "layers.0",
        "layers.1",
        "layers.2",
        "head",
    ]
    assert [name for name, _ in block.named_children()] == ["layers", "head"]


def test_reassigning_or_deleting_an_attribute_updates_the_parameters():
    block = make_block()
    block.head = None
    assert [n for n, _ in block.named_parameters()][-1] == "layers.2.bias"
    del block.scale
    assert "scale" not in dict(block.named_parameters())
    block.extra = nn.Linear(2, 2, rng=0)
    assert list(dict(block.named_parameters()))[-2:] == ["extra.weight", "extra.bias"]


def test_a_parameter_shared_by_two_layers_is_listed_once():
    first, second = nn.Linear(3, 3, rng=0), nn.Linear(3, 3, rng=1)
    second.weight = first.weight  # tied weights
    model = nn.Sequential(first, second)
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_modules_without_super_init_work_and_forward_is_required():
    class Bare(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match="Bare must define forward"):
        Bare()(1.0)


# --------------------------------------------------------------------------- Linear


def test_linear_shapes_dtype_and_forward_formula():
    layer = nn.Linear(4, 3, rng=0)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    x = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    y = layer(x)
    np.testing.assert_allclose(y.data, x @ layer.weight.data.T + layer.bias.data, rtol=1e-6)
    assert y.dtype == np.float32
    no_bias = nn.Linear(4, 3, bias=False, rng=0)
    assert no_bias.bias is None and len(list(no_bias.parameters())) == 1
    np.testing.assert_allclose(no_bias(x).data, x @ no_bias.weight.data.T, rtol=1e-6)


def test_linear_initialisation_is_pytorch_uniform_with_bound_one_over_sqrt_fan_in():
    layer = nn.Linear(256, 300, rng=0, dtype=np.float64)
    bound = 1 / 16
    w, b = layer.weight.data, layer.bias.data
    assert w.dtype == np.float64
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.999 * bound  # fills the whole interval, not a narrower one
    assert abs(w.mean()) < 0.01 * bound
    assert w.var() == pytest.approx(bound**2 / 3, rel=0.02)  # variance of U(-k, k)


def test_linear_rng_makes_initialisation_reproducible():
    a, b = nn.Linear(4, 3, rng=7), nn.Linear(4, 3, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    rng = np.random.default_rng(7)
    first, second = nn.Linear(4, 3, rng=rng), nn.Linear(4, 3, rng=rng)
    assert not np.array_equal(first.weight.data, second.weight.data)  # the generator advanced


def test_linear_rejects_bad_sizes_and_dtypes():
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(-1, 3)
    with pytest.raises(ValueError, match="out_features"):
        nn.Linear(3, 2.5)
    with pytest.raises(TypeError, match="floating"):
        nn.Linear(3, 2, dtype=np.int64)


def test_linear_backward_matches_the_formula():
    rng = np.random.default_rng(3)
    layer = nn.Linear(4, 3, rng=rng, dtype=np.float64)
    x = rng.normal(size=(6, 4))
    upstream = rng.normal(size=(6, 3))
    layer(x).backward(upstream)
    np.testing.assert_allclose(layer.weight.grad, upstream.T @ x, rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, upstream.sum(axis=0), rtol=1e-12)


# --------------------------------------------------------------------------- Sequential


def test_sequential_applies_children_in_order_and_supports_indexing():
    first, act, last = nn.Linear(4, 8, rng=0), nn.ReLU(), nn.Linear(8, 2, rng=1)
    model = nn.Sequential(first, act, last)
    x = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    np.testing.assert_allclose(model(x).data, last(act(first(x))).data)
    assert len(model) == 3 and list(model) == [first, act, last]
    assert model[0] is first and model[-1] is last
    head = model[:2]
    assert isinstance(head, nn.Sequential) and list(head) == [first, act]
    model.append(nn.Tanh())
    assert len(model) == 4 and [n for n, _ in model.named_children()] == ["0", "1", "2", "3"]


def test_sequential_from_a_dict_uses_its_names():
    model = nn.Sequential({"hidden": nn.Linear(2, 3, rng=0), "act": nn.Tanh()})
    assert [name for name, _ in model.named_parameters()] == ["hidden.weight", "hidden.bias"]


def test_sequential_rejects_non_modules():
    with pytest.raises(TypeError, match="'1' is a ufunc"):
        nn.Sequential(nn.ReLU(), np.tanh)


def test_relu_and_tanh_modules_accept_arrays_and_tensors():
    x = np.array([-2.0, 0.5])
    np.testing.assert_allclose(nn.ReLU()(x).data, [0.0, 0.5])
    np.testing.assert_allclose(nn.Tanh()(Tensor(x)).data, np.tanh(x))


def test_repr_shows_the_tree():
    text = repr(nn.Sequential(nn.Linear(4, 2, rng=0), nn.ReLU()))
    assert text == (
        "Sequential(\n  (0): Linear(in_features=4, out_features=2, bias=True)\n  (1): ReLU()\n)"
    )


# --------------------------------------------------------------------------- zero_grad


def test_zero_grad_sets_none_or_zeros_in_place():
    block = make_block()
    block(np.ones((2, 4))).sum().backward()
    grads = [p.grad for p in block.parameters()]
    assert all(g is not None and np.any(g != 0) for g in grads)
    block.zero_grad(set_to_none=False)
    for p, g in zip(block.parameters(), grads):
        assert p.grad is g and not np.any(g)  # same arrays, now zero
    block.zero_grad()
    assert all(p.grad is None for p in block.parameters())


# --------------------------------------------------------------------------- state dicts


def test_state_dict_holds_copies():
    layer = nn.Linear(3, 2, rng=0)
    state = layer.state_dict()
    assert list(state) == ["weight", "bias"]
    assert all(isinstance(a, np.ndarray) for a in state.values())
    assert not np.shares_memory(state["weight"], layer.weight.data)
    before = state["weight"].copy()
    layer.weight.data += 1.0
    np.testing.assert_array_equal(state["weight"], before)


def test_state_dict_round_trip_loads_in_place():
    source, target = make_block(0), make_block(1)
    arrays = [p.data for p in target.parameters()]
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, p), (_, q) in zip(source.named_parameters(), target.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
    assert all(p.data is a for p, a in zip(target.parameters(), arrays))  # identity kept
    x = np.ones((2, 4))
    np.testing.assert_array_equal(source(x).data, target(x).data)


def test_load_state_dict_casts_to_the_parameter_dtype():
    layer = nn.Linear(2, 2, rng=0)  # float32
    state = {"weight": np.full((2, 2), 0.5), "bias": [1, 2]}  # float64 array and a list of ints
    layer.load_state_dict(state)
    assert layer.weight.dtype == np.float32
    np.testing.assert_array_equal(layer.bias.data, [1.0, 2.0])


def test_missing_and_unexpected_keys_are_named_and_nothing_is_loaded():
    block = make_block(0)
    state = make_block(1).state_dict()
    del state["head.bias"]
    state["head.extra"] = np.zeros(2)
    before = snapshot(block)
    with pytest.raises(ValueError) as info:
        block.load_state_dict(state)
    message = str(info.value)
    assert "missing keys ['head.bias']" in message
    assert "unexpected keys ['head.extra']" in message
    assert_unchanged(block, before)  # the valid keys were not loaded either


def test_shape_mismatch_names_the_key_and_both_shapes_and_nothing_is_loaded():
    model = nn.Sequential(nn.Linear(4, 3, rng=0), nn.Linear(3, 2, rng=0))
    state = nn.Sequential(nn.Linear(4, 3, rng=1), nn.Linear(3, 5, rng=1)).state_dict()
    before = snapshot(model)
    with pytest.raises(ValueError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    assert "'1.weight': shape (5, 3) in the state dict, (2, 3) in the module" in message
    assert "'1.bias': shape (5,) in the state dict, (2,) in the module" in message
    assert "0.weight" not in message
    assert_unchanged(model, before)


def test_non_numeric_values_and_non_mappings_are_rejected():
    layer = nn.Linear(2, 1, rng=0)
    before = snapshot(layer)
    with pytest.raises(ValueError, match="'bias': dtype <U3 is not numeric"):
        layer.load_state_dict({"weight": np.zeros((1, 2)), "bias": np.array(["abc"])})
    with pytest.raises(TypeError, match="mapping"):
        layer.load_state_dict([("weight", np.zeros((1, 2)))])
    assert_unchanged(layer, before)


def test_non_strict_loading_reports_keys_but_still_checks_shapes():
    layer = nn.Linear(2, 1, rng=0)
    new_weight = np.full((1, 2), 3.0)
    result = layer.load_state_dict({"weight": new_weight, "other": np.zeros(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["other"]
    np.testing.assert_array_equal(layer.weight.data, new_weight)
    with pytest.raises(ValueError, match="'weight': shape"):
        layer.load_state_dict({"weight": np.zeros((2, 2))}, strict=False)


# --------------------------------------------------------------------------- save / load


def test_save_load_round_trip(tmp_path):
    path = tmp_path / "model.npz"
    trained = make_block(0)
    nn.save(trained, path)
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]
    with np.load(path, allow_pickle=False) as archive:  # an ordinary .npz file
        assert sorted(archive.files) == sorted(trained.state_dict())
    fresh = make_block(1)
    assert nn.load(fresh, path) is fresh
    for (name, p), (_, q) in zip(trained.named_parameters(), fresh.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
        assert p.dtype == q.dtype


def test_save_uses_the_path_exactly_and_overwrites(tmp_path):
    path = tmp_path / "weights.bin"  # no .npz suffix added, unlike numpy.savez
    nn.save(nn.Linear(2, 2, rng=0), str(path))
    nn.save(nn.Linear(2, 2, rng=1), path)
    assert os.listdir(tmp_path) == ["weights.bin"]
    loaded = nn.load(nn.Linear(2, 2, rng=5), path)
    np.testing.assert_array_equal(loaded.weight.data, nn.Linear(2, 2, rng=1).weight.data)


def test_save_handles_any_parameter_name(tmp_path):
    class Odd(nn.Module):
        def __init__(self):
            self.file = nn.Parameter(np.ones(2))  # 'file' would clash with numpy.savez's argument
            self.allow_pickle = nn.Parameter(np.zeros(1))

    nn.save(Odd(), tmp_path / "odd.npz")
    target = Odd()
    target.file.data[:] = 5.0
    nn.load(target, tmp_path / "odd.npz")
    np.testing.assert_array_equal(target.file.data, [1.0, 1.0])


@pytest.mark.parametrize("failure", ["replace", "mid-write", "interrupt"])
def test_a_failed_save_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch, failure):
    path = tmp_path / "model.npz"
    old_model = nn.Linear(3, 2, rng=0)
    nn.save(old_model, path)
    old_bytes = path.read_bytes()

    if failure == "replace":

        def broken_replace(src, dst):
            raise OSError("disk gone")

        monkeypatch.setattr(os, "replace", broken_replace)
        expected = OSError
    else:
        real_write_array = np.lib.format.write_array
        expected = OSError if failure == "mid-write" else KeyboardInterrupt
        calls = []

        def write_then_fail(fp, array, *args, **kwargs):
            calls.append(1)
            if len(calls) == 2:  # the first array is written, the second fails half-way
                fp.write(b"\x93NUMPY partial")
                raise expected("crash mid-write")
            return real_write_array(fp, array, *args, **kwargs)

        monkeypatch.setattr(np.lib.format, "write_array", write_then_fail)

    with pytest.raises(expected):
        nn.save(nn.Linear(3, 2, rng=1), path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["model.npz"]  # no temporary file left behind
    assert path.read_bytes() == old_bytes
    loaded = nn.load(nn.Linear(3, 2, rng=9), path)
    np.testing.assert_array_equal(loaded.weight.data, old_model.weight.data)


def test_save_into_a_missing_folder_raises_and_creates_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.save(nn.Linear(2, 2), tmp_path / "missing" / "model.npz")
    assert os.listdir(tmp_path) == []


def test_load_of_a_missing_file_raises_file_not_found_and_leaves_the_module(tmp_path):
    layer = nn.Linear(2, 2, rng=0)
    before = snapshot(layer)
    with pytest.raises(FileNotFoundError, match=r"no saved model at .*nothing\.npz"):
        nn.load(layer, tmp_path / "nothing.npz")
    assert_unchanged(layer, before)


def write_corrupt_files(tmp_path):
    """Files that are not a valid model archive, each with its own way of being broken."""
    good = tmp_path / "good.npz"
    nn.save(nn.Linear(2, 2, rng=0), good)
    data = good.read_bytes()
    files = {
        "garbage": os.urandom(300),
        "empty": b"",
        "truncated": data[: len(data) // 2],
        "text": b"weight,bias\n1,2\n",
    }
    paths = {}
    for name, content in files.items():
        paths[name] = tmp_path / f"{name}.npz"
        paths[name].write_bytes(content)
    paths["npy"] = tmp_path / "single.npy"
    np.save(paths["npy"], np.zeros((2, 2)))
    paths["pickled"] = tmp_path / "pickled.npz"
    np.savez(paths["pickled"], weight=np.array([{"a": 1}], dtype=object), bias=np.zeros(2))
    paths["bad member"] = tmp_path / "member.npz"
    with zipfile.ZipFile(paths["bad member"], "w") as zf:
        zf.writestr("weight.npy", b"not an array")
    return paths


def test_load_rejects_corrupt_files_with_a_clear_error_and_leaves_the_module(tmp_path):
    for kind, path in write_corrupt_files(tmp_path).items():
        layer = nn.Linear(2, 2, rng=1)
        layer.weight.grad = np.ones((2, 2), dtype=np.float32)
        before = snapshot(layer)
        with pytest.raises(ValueError, match="not a readable model file") as info:
            nn.load(layer, path)
        assert str(path) in str(info.value), kind
        assert_unchanged(layer, before)


def test_load_of_another_architecture_names_keys_and_shapes(tmp_path):
    path = tmp_path / "mlp.npz"
    nn.save(nn.Sequential(nn.Linear(4, 8, rng=0), nn.ReLU(), nn.Linear(8, 3, rng=0)), path)

    softmax = nn.Linear(4, 3, rng=1)
    before = snapshot(softmax)
    with pytest.raises(ValueError) as info:
        nn.load(softmax, path)
    message = str(info.value)
    assert str(path) in message
    assert "missing keys ['weight', 'bias']" in message
    assert "unexpected keys ['0.weight', '0.bias', '2.weight', '2.bias']" in message
    assert_unchanged(softmax, before)

    wider = nn.Sequential(nn.Linear(4, 16, rng=1), nn.ReLU(), nn.Linear(16, 3, rng=1))
    before = snapshot(wider)
    with pytest.raises(
        ValueError,
        match=r"'0.weight': shape \(8, 4\) in the state dict, "
        r"\(16, 4\) in the module",
    ):
        nn.load(wider, path)
    assert_unchanged(wider, before)


# --------------------------------------------------------------------------- loss modules


def test_loss_modules_pass_their_arguments_to_functional():
    rng = np.random.default_rng(0)
    logits = Tensor(rng.normal(size=(6, 3)), requires_grad=True)
    target = np.array([0, 2, 1, 1, -100, 2])
    weight = np.array([1.0, 2.0, 0.5])
    module = nn.CrossEntropyLoss(weight=weight, ignore_index=-100, label_smoothing=0.1)
    expected = F.cross_entropy(
        logits, target, weight=weight, ignore_index=-100, label_smoothing=0.1
    )
    got = module(logits, target)
    np.testing.assert_allclose(got.data, expected.data, rtol=1e-12)
    got.backward()
    assert logits.grad is not None and logits.grad[4].tolist() == [0.0, 0.0, 0.0]

    log_probs = F.log_softmax(logits, axis=1)
    for reduction in ("mean", "sum", "none"):
        np.testing.assert_allclose(
            nn.NLLLoss(weight=weight, reduction=reduction)(log_probs, target).data,
            F.nll_loss(log_probs, target, weight=weight, reduction=reduction).data,
            rtol=1e-12,
        )

    x = Tensor(rng.normal(size=(4, 2)))
    y = rng.integers(0, 2, size=(4, 2)).astype(np.float64)
    pos_weight = np.array([2.0, 0.5])
    np.testing.assert_allclose(
        nn.BCEWithLogitsLoss(reduction="sum", pos_weight=pos_weight)(x, y).data,
        F.binary_cross_entropy_with_logits(x, y, reduction="sum", pos_weight=pos_weight).data,
        rtol=1e-12,
    )


def test_loss_modules_have_no_parameters():
    assert list(nn.CrossEntropyLoss(weight=np.ones(3)).parameters()) == []
    assert repr(nn.NLLLoss(reduction="sum")) == "NLLLoss(reduction='sum')"


def test_saving_into_a_missing_folder_names_that_folder(tmp_path):
    missing = tmp_path / "no" / "such" / "folder"
    with pytest.raises(FileNotFoundError, match="folder"):
        nn.save(nn.Linear(2, 2, rng=0), missing / "model.npz")
    assert not (tmp_path / "no").exists()
