"""tinygrad_ce.nn: module bookkeeping, layers, state dicts, save/load, loss modules."""

from __future__ import annotations

import os
import stat
import tracemalloc
import zipfile

import numpy as np
import pytest

import tinygrad_ce as tg
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


def test_sequential_runs_a_module_held_twice_twice_as_pytorch():
    """Sequential(lin, act, lin2, act): act is applied twice (children() lists it once)."""
    first, act, last = nn.Linear(2, 2, rng=0), nn.Tanh(), nn.Linear(2, 2, rng=1)
    model = nn.Sequential(first, act, last, act)
    x = np.array([[1.0, 2.0]], np.float32)
    np.testing.assert_allclose(model(x).data, act(last(act(first(x)))).data)
    assert len(model) == 4 and list(model) == [first, act, last, act] and model[3] is act
    tied = nn.Sequential(first, first)  # one layer applied twice, its parameters listed once
    np.testing.assert_allclose(tied(x).data, first(first(x)).data)
    assert len(tied) == 2 and len(list(tied.parameters())) == 2


def test_sequential_item_assignment_deletion_insert_extend_and_pop():
    a, b, c = nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    model = nn.Sequential(a, b)
    model[0] = c
    assert list(model) == [c, b]
    model.insert(1, a).extend([a])
    assert list(model) == [c, a, b, a]
    del model[1]
    assert list(model) == [c, b, a] and [n for n, _ in model.named_children()] == ["0", "1", "2"]
    assert model.pop() is a and model.pop(0) is c and list(model) == [b]
    with pytest.raises(IndexError, match="index 5 is out of range for a Sequential of length 1"):
        model[5]
    with pytest.raises(TypeError, match="takes Modules"):
        model[0] = np.tanh


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
        # A pickled (object) array is refused from its header, naming the key and the dtype.
        expected = "dtype object is not numeric" if kind == "pickled" else "not a readable"
        with pytest.raises(ValueError, match=expected) as info:
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


# --------------------------------------------------------------------------- train / eval


def test_train_and_eval_set_training_on_every_submodule():
    block = make_block()
    modules = list(block.modules())
    assert len(modules) == 6 and all(m.training for m in modules)
    assert block.eval() is block
    assert not any(m.training for m in modules)
    assert block.train() is block and all(m.training for m in modules)
    block.train(False)
    assert not any(m.training for m in modules)
    block.layers.train()  # a subtree only
    assert block.layers[0].training and not block.training and not block.head.training


def test_train_takes_a_bool_only():
    with pytest.raises(ValueError, match="boolean, got 'no'"):
        nn.Linear(2, 2).train("no")


def test_training_is_not_a_parameter_or_child():
    layer = nn.Linear(2, 2, rng=0).eval()
    assert list(layer.state_dict()) == ["weight", "bias"]
    assert list(layer.named_children()) == []


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "key, error, message",
    [
        ("a.b", KeyError, 'cannot contain ".", got "a.b"'),
        ("", KeyError, "cannot be empty"),
        ("forward", KeyError, "already has an attribute 'forward'"),
        ("parameters", KeyError, "already has an attribute 'parameters'"),
        ("training", KeyError, "already has an attribute 'training'"),
        (1, TypeError, "should be a string, got int 1"),
    ],
)
def test_sequential_rejects_keys_that_collide_or_shadow(key, error, message):
    with pytest.raises(error, match=message):
        nn.Sequential({"ok": nn.ReLU(), key: nn.Linear(2, 2)})


def test_a_dotted_key_beside_a_child_can_no_longer_lose_weights():
    # The case: "a.b" beside a child a holding b gave 4 parameters but 2 state_dict keys.
    inner = nn.Sequential({"b": nn.Linear(2, 2, rng=0)})
    with pytest.raises(KeyError, match=r"a\.b"):
        nn.Sequential({"a": inner, "a.b": nn.Linear(2, 2, rng=1)})
    model = nn.Sequential({"a": inner, "a_b": nn.Linear(2, 2, rng=1)})
    assert len(model.state_dict()) == len(list(model.parameters())) == 4


def test_attribute_assignment_checks_module_and_parameter_names():
    class Net(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    net = Net()
    for name in ("forward", "zero_grad", "state_dict"):
        with pytest.raises(KeyError, match=name):
            setattr(net, name, nn.Linear(2, 2))
        with pytest.raises(KeyError, match=name):
            setattr(net, name, nn.Parameter(np.zeros(1)))
    with pytest.raises(KeyError, match=r"fc\.w"):
        setattr(net, "fc.w", nn.Parameter(np.zeros(1)))
    assert callable(net.forward) and set(vars(net)) == {"fc"}  # nothing was set
    # Plain values may still use any name (e.g. replacing forward by a function, as in PyTorch).
    net.forward = lambda x: x * 2
    assert net(3) == 6
    net.fc = nn.Linear(3, 3)  # replacing a child under its own name is fine
    assert net.fc.in_features == 3


def test_a_class_level_default_may_be_replaced_by_a_child():
    class Net(nn.Module):
        head = None  # a plain class attribute, not a method: PyTorch allows this too

        def __init__(self, with_head):
            if with_head:
                self.head = nn.Linear(2, 1, rng=0)

    assert [n for n, _ in Net(True).named_parameters()] == ["head.weight", "head.bias"]
    assert Net(False).head is None


def test_add_module_and_register_parameter():
    net = nn.Sequential()
    net.add_module("hidden", nn.Linear(2, 3, rng=0))
    net.register_module("act", nn.Tanh())
    net.register_parameter("scale", nn.Parameter(np.ones(3)))
    net.register_parameter("unused", None)
    assert [n for n, _ in net.named_parameters()] == ["scale", "hidden.weight", "hidden.bias"]
    assert [n for n, _ in net.named_children()] == ["hidden", "act"]
    with pytest.raises(TypeError, match="not a Parameter"):
        net.register_parameter("w", Tensor(np.ones(2), requires_grad=True))
    with pytest.raises(TypeError, match="not a Module"):
        net.add_module("f", np.tanh)
    with pytest.raises(KeyError, match="append"):
        net.add_module("append", nn.ReLU())


def test_sequential_append_never_replaces_a_child():
    model = nn.Sequential({"0": nn.ReLU(), "1": nn.Tanh()})
    model.append(nn.ReLU())
    assert [n for n, _ in model.named_children()] == ["0", "1", "2"]
    tanh = nn.Tanh()
    named = nn.Sequential({"a": nn.ReLU(), "2": tanh})  # append would name the next child "2"
    with pytest.raises(KeyError, match="already named '2'"):
        named.append(nn.ReLU())
    assert list(named) == [named[0], tanh]


# --------------------------------------------------------------------------- Linear


def test_manual_seed_makes_linear_reproducible_and_an_explicit_rng_wins():
    tg.manual_seed(0)
    a1, a2 = nn.Linear(4, 3), nn.Linear(4, 3)
    tg.manual_seed(0)
    b1, b2 = nn.Linear(4, 3), nn.Linear(4, 3)
    np.testing.assert_array_equal(a1.weight.data, b1.weight.data)
    np.testing.assert_array_equal(a2.bias.data, b2.bias.data)
    assert not np.array_equal(a1.weight.data, a2.weight.data)  # same shape, new draws
    # An explicit rng gives its own numbers and leaves the default generator alone.
    tg.manual_seed(0)
    explicit = nn.Linear(4, 3, rng=5)
    after = nn.Linear(4, 3)
    np.testing.assert_array_equal(explicit.weight.data, nn.Linear(4, 3, rng=5).weight.data)
    np.testing.assert_array_equal(after.weight.data, a1.weight.data)


@pytest.mark.parametrize("shape", [(2, 5), (5,), (3, 2, 3), (2, 0)])
def test_linear_rejects_a_wrong_input_width_naming_layer_and_shape(shape):
    layer = nn.Linear(4, 3, rng=0)
    x = Tensor(np.ones(shape), requires_grad=True)
    with pytest.raises(ValueError) as info:
        layer(x)
    message = str(info.value)
    assert "in_features=4" in message and f"got shape {shape}" in message
    with pytest.raises(ValueError, match=r"got shape \(\)"):
        layer(Tensor(1.0))
    with pytest.raises(ValueError, match=r"got shape \(1, 2\)"):
        layer([[1.0, 2.0]])


def test_linear_accepts_any_leading_dimensions_and_empty_batches():
    layer = nn.Linear(4, 3, rng=0, dtype=np.float64)
    x = np.random.default_rng(0).normal(size=(2, 5, 4))
    np.testing.assert_allclose(layer(x).data, x @ layer.weight.data.T + layer.bias.data)
    assert layer(np.ones(4)).shape == (3,)
    assert layer(np.zeros((0, 4))).shape == (0, 3)


# --------------------------------------------------------------------------- parameter-free layers


def test_activation_modules_match_the_formulas():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp(-x)), rtol=1e-12)
    np.testing.assert_allclose(nn.LeakyReLU()(x).data, np.where(x > 0, x, 0.01 * x))
    np.testing.assert_allclose(nn.LeakyReLU(0.2)(Tensor(x)).data, np.where(x > 0, x, 0.2 * x))
    np.testing.assert_allclose(nn.ReLU(inplace=True)(x).data, np.maximum(x, 0))
    assert x.tolist() == [-2.0, -0.5, 0.0, 0.5, 3.0]  # inplace=True does not change the input
    logits = np.random.default_rng(0).normal(size=(3, 4))
    p = nn.Softmax(dim=1)(logits).data
    np.testing.assert_allclose(p, np.exp(logits) / np.exp(logits).sum(1, keepdims=True))
    np.testing.assert_allclose(nn.LogSoftmax(dim=-1)(logits).data, np.log(p), rtol=1e-12)
    p0 = nn.Softmax(dim=0)(logits).data
    np.testing.assert_allclose(p0.sum(axis=0), np.ones(4))
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"


def test_softmax_without_dim_warns_and_picks_pytorchs_axis():
    x = np.random.default_rng(0).normal(size=(2, 3))
    with pytest.warns(UserWarning, match="dim=1"):
        y = nn.Softmax()(x)
    np.testing.assert_allclose(y.data.sum(axis=1), [1.0, 1.0])
    with pytest.warns(UserWarning, match="dim=0"):
        z = nn.LogSoftmax()(x[0])
    np.testing.assert_allclose(np.exp(z.data).sum(), 1.0)


def test_leaky_relu_gradient_is_the_slope_at_zero_and_below():
    x = Tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    nn.LeakyReLU(0.3)(x).backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(x.grad, [0.3, 0.6, 3.0])


def test_identity_returns_its_input():
    x = Tensor([1.0, 2.0])
    assert nn.Identity()(x) is x
    assert nn.Identity(3, bias=False)("anything") == "anything"
    assert list(nn.Identity().parameters()) == []


@pytest.mark.parametrize(
    "shape, start, end, expected",
    [
        ((2, 3, 4), 1, -1, (2, 12)),
        ((2, 3, 4), 0, -1, (24,)),
        ((2, 3, 4), 0, 1, (6, 4)),
        ((2, 3, 4), -2, -1, (2, 12)),
        ((2, 3, 4), 1, 1, (2, 3, 4)),
        ((2, 0, 4), 1, -1, (2, 0)),
        ((5,), 0, -1, (5,)),
        ((), 0, -1, (1,)),
        ((2, 1, 1), 1, 2, (2, 1)),
    ],
)
def test_flatten_shapes_as_pytorch(shape, start, end, expected):
    x = np.arange(float(np.prod(shape))).reshape(shape)
    y = nn.Flatten(start, end)(x)
    assert y.shape == expected
    np.testing.assert_array_equal(y.data.ravel(), x.ravel())


def test_flatten_gradient_flows_back_in_the_input_shape():
    x = Tensor(np.random.default_rng(0).normal(size=(2, 3, 4)), requires_grad=True)
    upstream = np.random.default_rng(1).normal(size=(2, 12))
    nn.Flatten()(x).backward(upstream)
    np.testing.assert_array_equal(x.grad, upstream.reshape(2, 3, 4))


def test_flatten_rejects_bad_dims_naming_them():
    with pytest.raises(np.exceptions.AxisError, match=r"start_dim=3.*3 dimensions"):
        nn.Flatten(3)(np.zeros((2, 3, 4)))
    with pytest.raises(IndexError, match=r"start_dim=1.*0 dimensions"):  # AxisError is both
        nn.Flatten()(Tensor(1.0))
    with pytest.raises(ValueError, match="start_dim=2 comes after end_dim=1"):
        nn.Flatten(2, 1)(np.zeros((2, 3, 4)))
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


# --------------------------------------------------------------------------- Dropout


def test_dropout_zeroes_about_p_and_scales_the_rest():
    x = Tensor(np.full((200, 100), 3.0), requires_grad=True)
    drop = nn.Dropout(0.25, generator=0)
    y = drop(x)
    kept = y.data != 0
    assert set(np.unique(y.data)) == {0.0, 4.0}  # 3 / (1 - 0.25)
    assert abs(kept.mean() - 0.75) < 0.01  # 20,000 draws: sd 0.003
    upstream = np.random.default_rng(1).normal(size=x.shape)
    y.backward(upstream)
    np.testing.assert_allclose(x.grad, np.where(kept, upstream / 0.75, 0.0), rtol=1e-15)


def test_dropout_is_the_identity_in_eval_mode_and_for_p_zero():
    x = Tensor(np.ones(5), requires_grad=True)
    drop = nn.Dropout(0.9)
    assert drop.eval()(x) is x
    assert drop.train()(x) is not x
    assert nn.Dropout(0.0)(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    model = nn.Sequential(nn.Linear(5, 5, rng=0), nn.Dropout(0.5)).eval()
    np.testing.assert_array_equal(model(x).data, model[0](x).data)


def test_dropout_with_p_one_gives_zeros_and_a_zero_gradient():
    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    y = nn.Dropout(1.0)(x)
    assert y.data.tolist() == [0.0, 0.0, 0.0]
    y.backward(np.ones(3))
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_dropout_corners_empty_and_zero_dimensional():
    empty = Tensor(np.zeros((0, 3)))
    assert nn.Dropout(0.5)(empty) is empty
    scalar = nn.Dropout(0.5, generator=3)(Tensor(np.array(2.0)))
    assert scalar.shape == () and scalar.item() in (0.0, 4.0)
    y = nn.Dropout(0.5)(Tensor(np.ones(4, dtype=np.float32)))
    assert y.dtype == np.float32


def test_dropout_masks_follow_manual_seed_and_generators():
    x = Tensor(np.ones(50))
    tg.manual_seed(7)
    first = nn.Dropout(0.5)(x).data
    second = nn.Dropout(0.5)(x).data
    tg.manual_seed(7)
    np.testing.assert_array_equal(nn.Dropout(0.5)(x).data, first)
    assert not np.array_equal(first, second)  # the default generator advanced
    a, b = nn.Dropout(0.5, generator=11), nn.Dropout(0.5, generator=11)
    a1, a2 = a(x).data, a(x).data
    assert not np.array_equal(a1, a2)  # an int seed is made a generator once
    np.testing.assert_array_equal(b(x).data, a1)
    np.testing.assert_array_equal(b(x).data, a2)


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_dropout_rejects_a_probability_outside_zero_one(p):
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(Tensor([1.0]), p)


def test_dropout_rejects_non_numbers_and_integer_inputs():
    with pytest.raises(TypeError, match="must be a number"):
        nn.Dropout("0.5")
    with pytest.raises(TypeError, match="floating"):
        F.dropout(Tensor([1, 2]), 0.5)


# --------------------------------------------------------------------------- more loss modules


def test_new_loss_modules_pass_their_arguments_to_functional():
    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(4, 3)))
    t = rng.normal(size=(4, 3))
    for reduction in ("mean", "sum", "none"):
        np.testing.assert_array_equal(
            nn.MSELoss(reduction=reduction)(x, t).data, F.mse_loss(x, t, reduction=reduction).data
        )
        np.testing.assert_array_equal(
            nn.L1Loss(reduction)(x, t).data, F.l1_loss(x, t, reduction=reduction).data
        )
    probs = Tensor(rng.uniform(0.05, 0.95, size=(4, 3)))
    labels = rng.integers(0, 2, size=(4, 3)).astype(np.float64)
    weight = rng.uniform(0.5, 2.0, size=3)
    np.testing.assert_array_equal(
        nn.BCELoss(weight=weight, reduction="sum")(probs, labels).data,
        F.binary_cross_entropy(probs, labels, weight=weight, reduction="sum").data,
    )
    log_q = F.log_softmax(x, axis=1)
    p = F.softmax(Tensor(t), axis=1).data
    np.testing.assert_array_equal(
        nn.KLDivLoss(reduction="batchmean")(log_q, p).data,
        F.kl_div(log_q, p, reduction="batchmean").data,
    )
    np.testing.assert_array_equal(
        nn.KLDivLoss(log_target=True)(log_q, np.log(p)).data,
        F.kl_div(log_q, np.log(p), log_target=True).data,
    )
    assert repr(nn.MSELoss()) == "MSELoss(reduction='mean')"


# --------------------------------------------------------------------------- clip_grad_norm_


def with_grads(*grads):
    params = []
    for g in grads:
        p = nn.Parameter(np.zeros(np.shape(g)))
        p.grad = None if g is None else np.array(g, dtype=np.float64)
        params.append(p)
    return params


def test_clip_grad_norm_scales_every_gradient_by_one_factor():
    params = with_grads([3.0, 0.0], [[4.0]], None)
    total = nn.utils.clip_grad_norm_(params, max_norm=2.0)
    assert isinstance(total, Tensor) and total.shape == () and total.item() == 5.0
    factor = 2.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(params[0].grad, [3.0 * factor, 0.0], rtol=1e-15)
    np.testing.assert_allclose(params[1].grad, [[4.0 * factor]], rtol=1e-15)
    assert params[2].grad is None


def test_clip_grad_norm_leaves_small_gradients_and_callers_arrays_alone():
    params = with_grads([0.3, 0.4])
    grad = params[0].grad
    assert nn.utils.clip_grad_norm_(params, max_norm=1.0).item() == pytest.approx(0.5)
    assert params[0].grad is grad and grad.tolist() == [0.3, 0.4]
    big = with_grads([30.0, 40.0])
    original = big[0].grad
    nn.utils.clip_grad_norm_(big[0], 1.0)  # a single Tensor works too
    assert original.tolist() == [30.0, 40.0]  # a new array was assigned, the old one kept
    np.testing.assert_allclose(np.linalg.norm(big[0].grad), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    "norm_type, expected",
    [(1.0, 10.0), (2.0, np.sqrt(30.0)), (float("inf"), 4.0), ("inf", 4.0), (3, 100.0 ** (1 / 3))],
)
def test_clip_grad_norm_norm_types(norm_type, expected):
    params = with_grads([1.0, -2.0], [3.0, -4.0])
    total = nn.utils.clip_grad_norm_(params, max_norm=1e9, norm_type=norm_type)
    assert total.item() == pytest.approx(expected, rel=1e-12)


def test_clip_grad_norm_without_gradients_nan_and_dtypes():
    assert nn.utils.clip_grad_norm_(with_grads(None), 1.0).item() == 0.0
    assert nn.utils.clip_grad_norm_([], 1.0).item() == 0.0
    bad = with_grads([np.nan, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)
    assert bad[0].grad[1] == 1.0  # nothing was scaled
    assert np.isnan(nn.utils.clip_grad_norm_(bad, 1.0).item())
    assert np.isnan(bad[0].grad).all()  # as PyTorch: scaled by a NaN factor
    p = nn.Parameter(np.zeros(2, dtype=np.float32))
    p.grad = np.array([30.0, 40.0], dtype=np.float32)
    nn.utils.clip_grad_norm_([p], 1.0)
    assert p.grad.dtype == np.float32
    with pytest.raises(TypeError, match=r"parameters\[0\] is a ndarray"):
        nn.utils.clip_grad_norm_([np.ones(2)], 1.0)


# --------------------------------------------------------------------------- save: modes, links


def test_save_keeps_the_mode_of_an_existing_file(tmp_path):
    path = tmp_path / "model.npz"
    nn.save(nn.Linear(2, 2, rng=0), path)
    os.chmod(path, 0o600)
    nn.save(nn.Linear(2, 2, rng=1), path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    np.testing.assert_array_equal(
        nn.load(nn.Linear(2, 2), path).weight.data, nn.Linear(2, 2, rng=1).weight.data
    )
    os.chmod(path, 0o640)
    nn.save(nn.Linear(2, 2, rng=2), path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_save_gives_a_new_file_the_usual_mode(tmp_path):
    umask = os.umask(0o022)
    try:
        nn.save(nn.Linear(2, 2, rng=0), tmp_path / "new.npz")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(os.stat(tmp_path / "new.npz").st_mode) == 0o644


def test_save_writes_through_a_symlink_to_its_target(tmp_path):
    (tmp_path / "store").mkdir()
    (tmp_path / "links").mkdir()
    target = tmp_path / "store" / "model-v1.npz"
    nn.save(nn.Linear(2, 2, rng=0), target)
    os.chmod(target, 0o600)
    link = tmp_path / "links" / "current.npz"
    link.symlink_to(os.path.join("..", "store", "model-v1.npz"))  # a relative link
    nn.save(nn.Linear(2, 2, rng=1), link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("..", "store", "model-v1.npz")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    loaded = nn.load(nn.Linear(2, 2), target)
    np.testing.assert_array_equal(loaded.weight.data, nn.Linear(2, 2, rng=1).weight.data)
    assert os.listdir(tmp_path / "links") == ["current.npz"]  # no temporary file anywhere
    assert os.listdir(tmp_path / "store") == ["model-v1.npz"]


def test_save_through_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "model.npz"
    link.symlink_to(tmp_path / "real.npz")
    nn.save(nn.Linear(2, 2, rng=0), link)
    assert link.is_symlink() and (tmp_path / "real.npz").is_file()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write anyway")
def test_save_refuses_a_read_only_file(tmp_path):
    path = tmp_path / "model.npz"
    nn.save(nn.Linear(2, 2, rng=0), path)
    os.chmod(path, 0o444)
    before = path.read_bytes()
    with pytest.raises(PermissionError, match="not writable"):
        nn.save(nn.Linear(2, 2, rng=1), path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.npz"]


def test_save_refuses_a_folder(tmp_path):
    with pytest.raises(IsADirectoryError, match="folder"):
        nn.save(nn.Linear(2, 2), tmp_path)


# --------------------------------------------------------------------------- load: headers first


def write_archive(path, arrays, huge=None, compress=False):
    """An .npz archive of ``arrays``; ``huge=(name, n)`` adds n float64 zeros under ``name``,
    streamed in chunks so that writing it costs no memory either."""
    mode = zipfile.ZIP_DEFLATED if compress or huge else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", compression=mode) as zf:
        for name, array in arrays.items():
            with zf.open(name + ".npy", "w") as member:
                np.lib.format.write_array(member, np.asarray(array))
        if huge is not None:
            name, n = huge
            with zf.open(name + ".npy", "w", force_zip64=True) as member:
                header = {"descr": "<f8", "fortran_order": False, "shape": (n,)}
                np.lib.format.write_array_header_1_0(member, header)
                chunk = bytes(1 << 20)
                for _ in range(n * 8 // len(chunk)):
                    member.write(chunk)


def test_load_rejects_an_extra_huge_array_from_its_header_alone(tmp_path, monkeypatch):
    path = tmp_path / "bomb.npz"
    layer = nn.Linear(2, 2, rng=0)
    write_archive(path, layer.state_dict(), huge=("extra", 8 << 20))  # 64 MB of zeros
    assert path.stat().st_size < 1 << 20
    reads = []
    real_read_array = np.lib.format.read_array
    monkeypatch.setattr(
        np.lib.format, "read_array", lambda *a, **k: reads.append(1) or real_read_array(*a, **k)
    )
    target = nn.Linear(2, 2, rng=1)
    before = snapshot(target)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"unexpected keys \['extra'\]"):
            nn.load(target, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert reads == [] and peak < 4 << 20
    assert_unchanged(target, before)


def test_load_checks_shapes_and_dtypes_from_the_headers(tmp_path, monkeypatch):
    monkeypatch.setattr(np.lib.format, "read_array", None)  # any read of an array would fail
    layer = nn.Linear(3, 2, rng=0)
    before = snapshot(layer)
    wrong_shape = tmp_path / "shape.npz"
    write_archive(wrong_shape, {"weight": np.zeros((2, 4)), "bias": np.zeros(2)})
    with pytest.raises(ValueError, match=r"'weight': shape \(2, 4\) in the state dict, \(2, 3\)"):
        nn.load(layer, wrong_shape)
    wrong_dtype = tmp_path / "dtype.npz"
    write_archive(wrong_dtype, {"weight": np.zeros((2, 3), complex), "bias": np.array(["a", "b"])})
    with pytest.raises(ValueError) as info:
        nn.load(layer, wrong_dtype)
    assert "'weight': dtype complex128 is not numeric" in str(info.value)
    assert "'bias': dtype <U1 is not numeric" in str(info.value)
    assert_unchanged(layer, before)


def test_load_reads_compressed_and_other_dtype_archives(tmp_path):
    source = nn.Linear(3, 2, rng=0, dtype=np.float64)
    path = tmp_path / "compressed.npz"
    np.savez_compressed(path, **source.state_dict())  # numpy's own writer, deflated
    target = nn.load(nn.Linear(3, 2, rng=1), path)  # a float32 model
    assert target.weight.dtype == np.float32
    np.testing.assert_allclose(target.weight.data, source.weight.data, rtol=1e-7)


def test_load_rejects_a_member_that_is_not_an_array(tmp_path):
    path = tmp_path / "odd.npz"
    nn.save(nn.Linear(2, 2, rng=0), path)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("notes.txt", "hello")
    with pytest.raises(ValueError, match=r"'notes\.txt' is not a NumPy array"):
        nn.load(nn.Linear(2, 2), path)


# --------------------------------------------------------------------------- in-place changes


def test_load_state_dict_and_load_count_as_in_place_changes(tmp_path):
    layer = nn.Linear(2, 2, rng=0)
    array = layer.weight.data
    version = layer.weight._version
    layer.load_state_dict(nn.Linear(2, 2, rng=1).state_dict())
    assert layer.weight._version > version and layer.weight.data is array
    nn.save(nn.Linear(2, 2, rng=2), tmp_path / "m.npz")
    version = layer.weight._version
    nn.load(layer, tmp_path / "m.npz")
    assert layer.weight._version > version and layer.weight.data is array


def test_zero_dimensional_parameters_save_load_and_clip(tmp_path):
    class Scale(nn.Module):
        def __init__(self, value):
            self.scale = nn.Parameter(np.array(value))

        def forward(self, x):
            return x * self.scale

    path = tmp_path / "scale.npz"
    nn.save(Scale(2.5), path)
    loaded = nn.load(Scale(0.0), path)
    assert loaded.scale.shape == () and loaded.scale.item() == 2.5
    with pytest.raises(ValueError, match=r"'scale': shape \(1,\) in the state dict, \(\) in"):
        loaded.load_state_dict({"scale": np.array([1.0])})
    loaded(Tensor(np.array([1.0, 2.0]))).sum().backward()
    assert loaded.scale.grad.shape == () and loaded.scale.grad == 3.0
    assert nn.utils.clip_grad_norm_(loaded.parameters(), 1.0).item() == 3.0
    assert loaded.scale.grad == pytest.approx(1.0, rel=1e-5)


def test_a_save_the_folder_refuses_names_the_target_and_the_folder(tmp_path, monkeypatch):
    # A read-only folder (root may write anywhere, so the OS's refusal is simulated): the
    # temporary file cannot be created; the error names the path asked for, not only the
    # temporary file, and keeps its type.
    from tinygrad_ce.nn import serialization

    path = tmp_path / "model.npz"
    path.write_bytes(b"an earlier model")

    def refuse(name, mode="r", *args, **kwargs):
        raise PermissionError(13, "Permission denied", name)

    monkeypatch.setattr(serialization, "open", refuse, raising=False)
    with pytest.raises(PermissionError) as error:
        nn.save(nn.Linear(2, 2), path)
    message = str(error.value)
    assert f"cannot save to {str(path)!r}: Permission denied" in message
    assert "write access to the folder" in message and repr(str(tmp_path)) in message
    assert isinstance(error.value.__cause__, PermissionError)  # the OS's own error, chained
    assert path.read_bytes() == b"an earlier model" and os.listdir(tmp_path) == ["model.npz"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes anywhere")
def test_save_into_a_read_only_folder_names_the_target(tmp_path):
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(PermissionError, match=r"cannot save to .*model\.npz.*write access"):
            nn.save(nn.Linear(2, 2), folder / "model.npz")
    finally:
        folder.chmod(0o755)
