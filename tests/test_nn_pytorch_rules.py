"""nn as a PyTorch user expects it: name collisions, ModuleList, Module.to/float/double,
requires_grad_, apply and clip_grad_value_. Each scenario runs on tinygrad_ce and, when torch is
installed, on torch, and both must end the same way."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_ce import Tensor, nn, optim


class Ours:
    """The scenarios' view of tinygrad_ce (``Theirs`` is the same for torch)."""

    nn = nn

    @staticmethod
    def param(n=2):
        return nn.Parameter(np.ones(n))

    @staticmethod
    def tensor(n=2):
        return Tensor(np.ones(n))

    @staticmethod
    def module():
        class Net(nn.Module):
            def forward(self, x):
                return x

        return Net()


def theirs():
    torch = pytest.importorskip("torch")

    class Theirs:
        nn = torch.nn

        @staticmethod
        def param(n=2):
            return torch.nn.Parameter(torch.ones(n, dtype=torch.float64))

        @staticmethod
        def tensor(n=2):
            return torch.ones(n, dtype=torch.float64)

        @staticmethod
        def module():
            class Net(torch.nn.Module):
                def forward(self, x):
                    return x

            return Net()

    return Theirs


# --------------------------------------------------------------------------- collisions


# Each scenario: (steps, the outcome PyTorch gives). A step is (action, name, value) on a fresh
# module; the outcome is the exception's type, or the parameter and child names at the end.
def value(L, kind):
    return {
        "param": L.param,
        "param3": lambda: L.param(3),
        "tensor": L.tensor,
        "linear": lambda: L.nn.Linear(2, 2),
        "linear without bias": lambda: L.nn.Linear(2, 2, bias=False),
        "relu": L.nn.ReLU,
        "int": lambda: 5,
        "none": lambda: None,
    }[kind]()


def run_steps(L, module, steps):
    for action, name, kind in steps:
        target = module
        if "." in name:  # "lin.bias": an attribute of the child lin
            child, name = name.split(".")
            target = getattr(module, child)
        if action == "set":
            setattr(target, name, value(L, kind))
        elif action == "register":
            target.register_parameter(name, value(L, kind))
        elif action == "add":
            target.add_module(name, value(L, kind))
        elif action == "del":
            delattr(target, name)
        elif action == "alias":  # the same object under a second name
            setattr(target, name, getattr(target, kind))


SCENARIOS = {
    "register_parameter over a child module": (
        [("set", "a", "linear"), ("register", "a", "param")], KeyError),
    "add_module over a parameter": ([("set", "w", "param"), ("add", "w", "linear")], KeyError),
    "register_parameter over a plain attribute": (
        [("set", "foo", "int"), ("register", "foo", "param")], KeyError),
    "add_module over a plain attribute": (
        [("set", "foo", "int"), ("add", "foo", "relu")], KeyError),
    "register_parameter over a plain None": (
        [("set", "a", "none"), ("register", "a", "param")], KeyError),
    "add_module over a plain None": ([("set", "a", "none"), ("add", "a", "relu")], KeyError),
    "register_parameter None over a child": (
        [("set", "a", "linear"), ("register", "a", "none")], KeyError),
    "add_module None over a parameter": ([("set", "w", "param"), ("add", "w", "none")], KeyError),
    "register_parameter over a method": ([("register", "forward", "param")], KeyError),
    "add_module over a method": ([("add", "forward", "relu")], KeyError),
    "setattr a parameter over a method": ([("set", "forward", "param")], KeyError),
    "setattr a module over a parameter": (
        [("set", "w", "param"), ("set", "w", "linear")], TypeError),
    "setattr a tensor over a parameter": (
        [("set", "w", "param"), ("set", "w", "tensor")], TypeError),
    "setattr an int over a child": ([("set", "a", "linear"), ("set", "a", "int")], TypeError),
    "a parameter set to None stays a parameter slot": (
        [("set", "w", "param"), ("set", "w", "none"), ("set", "w", "tensor")], TypeError),
    "a child set to None stays a child slot": (
        [("set", "a", "relu"), ("set", "a", "none"), ("set", "a", "int")], TypeError),
    "a parameter slot registered as None": (
        [("register", "x", "none"), ("set", "x", "tensor")], TypeError),
    "a parameter may replace a child slot added as None": (
        [("add", "x", "none"), ("set", "x", "param")], (["x"], [])),
    "the bias of Linear(bias=False) is a parameter slot": (
        [("set", "lin", "linear without bias"), ("set", "lin.bias", "tensor")], TypeError),
    "register a bias into Linear(bias=False)": (
        [("set", "lin", "linear without bias"), ("register", "lin.bias", "param")],
        (["lin.weight", "lin.bias"], ["lin"])),
    "setattr a parameter over a child": (
        [("set", "a", "linear"), ("set", "a", "param")], (["a"], [])),
    "setattr a parameter over a plain attribute": (
        [("set", "foo", "int"), ("set", "foo", "param")], (["foo"], [])),
    "setattr a module over a plain attribute": (
        [("set", "foo", "int"), ("set", "foo", "relu")], ([], ["foo"])),
    "register_parameter over a parameter": (
        [("set", "w", "param"), ("register", "w", "param3")], (["w"], [])),
    "add_module over a child": ([("set", "a", "linear"), ("add", "a", "relu")], ([], ["a"])),
    "a child set to None takes a module again": (
        [("set", "a", "relu"), ("set", "a", "none"), ("set", "a", "linear")],
        (["a.weight", "a.bias"], ["a"])),
    "del frees a parameter's name": (
        [("set", "w", "param"), ("del", "w", None), ("set", "w", "tensor")], ([], [])),
    "del frees a child's name": (
        [("set", "a", "relu"), ("del", "a", None), ("register", "a", "param")], (["a"], [])),
    "a module under two names is one child, its parameters listed once": (
        [("set", "a", "linear"), ("alias", "b", "a")], (["a.weight", "a.bias"], ["a"])),
}  # fmt: skip


def outcome(L, steps):
    module = L.module()
    try:
        run_steps(L, module, steps)
    except (KeyError, TypeError) as error:
        return type(error)
    return (
        [name for name, _ in module.named_parameters()],
        [name for name, _ in module.named_children()],
    )


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_collisions_as_pytorch(scenario):
    steps, expected = SCENARIOS[scenario]
    assert outcome(Ours, steps) == expected


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_pytorch_agrees_with_the_table(scenario):
    steps, expected = SCENARIOS[scenario]
    assert outcome(theirs(), steps) == expected


def test_a_refused_registration_changes_nothing_and_says_what_is_there():
    m = Ours.module()
    m.a = nn.Linear(2, 2, rng=0)
    m.foo = 5
    m.w = Ours.param()
    layer, w = m.a, m.w
    for call, fragments in [
        (
            lambda: m.register_parameter("a", Ours.param()),
            ["attribute 'a' already exists", "child module (Linear)", "register_parameter"],
        ),
        (
            lambda: m.add_module("w", nn.ReLU()),
            ["attribute 'w' already exists", "a parameter", "add_module"],
        ),
        (
            lambda: m.register_parameter("foo", Ours.param()),
            ["'foo' already exists", "plain attribute (int)"],
        ),
    ]:
        with pytest.raises(KeyError) as error:
            call()
        assert all(fragment in str(error.value) for fragment in fragments), error.value
    assert m.a is layer and m.w is w and m.foo == 5
    assert [name for name, _ in m.named_parameters()] == ["w", "a.weight", "a.bias"]


def test_assigning_a_tensor_to_a_parameter_says_how_to_change_its_values():
    layer = nn.Linear(2, 2, rng=0)
    weight = layer.weight
    with pytest.raises(TypeError) as error:
        layer.weight = layer.weight * 2
    message = str(error.value)
    assert "cannot assign 'Tensor' as parameter 'weight'" in message and ".data" in message
    assert layer.weight is weight
    with pytest.raises(TypeError, match="cannot assign 'int' as child module 'fc'"):
        net = Ours.module()
        net.fc = nn.Linear(2, 2)
        net.fc = 3


def test_a_shared_child_is_printed_under_both_names_and_saved_under_both():
    m = Ours.module()
    m.a = nn.Linear(2, 2, rng=0)
    m.b = m.a
    assert "(a): Linear" in repr(m) and "(b): Linear" in repr(m)
    assert list(m.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]


# --------------------------------------------------------------------------- ModuleList


def module_list_steps(L):
    """The same ModuleList edits in either library; returns what can be compared."""
    ml = L.nn.ModuleList([L.nn.Linear(2, 3), L.nn.ReLU()])
    ml.append(L.nn.Linear(3, 4))
    ml.extend([L.nn.Tanh(), L.nn.Linear(4, 1)])
    ml += [L.nn.Sigmoid()]
    ml.insert(1, L.nn.Identity())
    ml.insert(6, L.nn.Linear(1, 1))
    del ml[2]
    ml[0] = L.nn.Linear(2, 3)
    head = ml[-1]
    tail = ml[1:3]
    del ml[4:6]
    popped = [type(ml.pop(1)).__name__, type(ml.pop(-1)).__name__]
    parent = L.module()
    parent.layers = ml
    return (
        len(ml),
        [type(m).__name__ for m in ml],
        [type(m).__name__ for m in tail],
        type(head).__name__,
        [(name, tuple(p.shape)) for name, p in parent.named_parameters()],
        [name for name, _ in parent.named_modules()],
        popped,
    )


def test_module_list_as_pytorch():
    ours = module_list_steps(Ours)
    assert ours[0] == 3 and ours[4][0] == ("layers.0.weight", (3, 2))
    assert ours == module_list_steps(theirs())


def test_module_list_errors():
    ml = nn.ModuleList([nn.ReLU()])
    with pytest.raises(IndexError, match="index 1 is out of range"):
        ml[1]
    with pytest.raises(IndexError, match="index -2"):
        ml[-2] = nn.Tanh()
    with pytest.raises(TypeError, match="takes a Module, got int"):
        ml.append(3)
    with pytest.raises(TypeError, match="takes a Module, got ufunc"):
        ml.extend([nn.Tanh(), np.tanh])
    with pytest.raises(TypeError, match="iterable of Modules, got ReLU"):
        nn.ModuleList(nn.ReLU())
    with pytest.raises(NotImplementedError):
        ml(1.0)
    assert len(ml) == 1  # a refused extend added nothing
    assert len(nn.ModuleList()) == 0 and list(nn.ModuleList()) == []
    empty = nn.ModuleList([])
    assert list(empty.parameters()) == []


def test_module_list_parameters_reach_the_optimizer():
    class Net(nn.Module):
        def __init__(self):
            self.layers = nn.ModuleList([nn.Linear(2, 2, rng=0), nn.Linear(2, 1, rng=1)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    net = Net()
    before = [p.data.copy() for p in net.parameters()]
    opt = optim.SGD(net.parameters(), lr=0.1)
    net(np.ones((3, 2), dtype=np.float32)).sum().backward()
    opt.step()
    assert len(before) == 4
    assert all(not np.array_equal(b, p.data) for b, p in zip(before, net.parameters()))


# --------------------------------------------------------------------------- dtypes, flags, apply


def test_module_to_casts_parameters_and_grads_in_place():
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.ReLU(), nn.Linear(4, 2, rng=1))
    params = list(model.parameters())
    values = [p.data.copy() for p in params]
    model(np.ones((2, 3), dtype=np.float32)).sum().backward()
    assert model.double() is model
    assert list(model.parameters()) == params  # the same Parameter objects
    for p, v in zip(params, values):
        assert p.dtype == np.float64 and p.grad.dtype == np.float64
        np.testing.assert_array_equal(p.data, v.astype(np.float64))
    assert model(np.ones((2, 3))).dtype == np.float64
    assert model.float() is model and all(p.dtype == np.float32 for p in params)
    assert model.to("float64") is model and all(p.dtype == np.float64 for p in params)
    opt = optim.SGD(model.parameters(), lr=0.1)  # an optimizer keeps working after a cast
    opt.zero_grad()
    model(np.ones((2, 3))).sum().backward()
    opt.step()
    for bad, fragment in [
        (np.int64, "only accepts floating dtypes"),
        ("cuda", "no devices"),
        ("cpu", "no devices"),
        ("nonsense", "floating dtype"),
    ]:
        with pytest.raises(TypeError, match=fragment):
            model.to(bad)
    assert all(p.dtype == np.float64 for p in params)  # a refused cast changes nothing


def test_module_to_and_requires_grad_match_pytorch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(), nn.Linear(4, 2, rng=1))
    ref = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    with torch.no_grad():
        for p, q in zip(ours.parameters(), ref.parameters()):
            q.copy_(torch.from_numpy(p.data))
    x = np.random.default_rng(0).normal(size=(5, 3))
    ours.double()
    ref.double()
    ours[0].requires_grad_(False)
    ref[0].requires_grad_(False)
    assert [p.requires_grad for p in ours.parameters()] == [
        q.requires_grad for q in ref.parameters()
    ]
    out, ref_out = ours(x), ref(torch.from_numpy(x))
    np.testing.assert_allclose(out.data, ref_out.detach().numpy(), rtol=1e-6)
    out.sum().backward()
    ref_out.sum().backward()
    for p, q in zip(ours.parameters(), ref.parameters()):
        assert (p.grad is None) == (q.grad is None)
        if p.grad is not None:
            np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-12)
    assert ours.requires_grad_() is ours and all(p.requires_grad for p in ours.parameters())
    with pytest.raises(TypeError, match="True or False"):
        ours.requires_grad_("no")


def apply_order(L):
    shared = L.nn.Linear(2, 2)
    model = L.nn.Sequential(
        L.nn.Linear(2, 2), L.nn.Sequential(L.nn.ReLU(), shared), L.nn.Tanh(), shared
    )
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    return seen


def test_apply_visits_children_first_as_pytorch():
    ours = apply_order(Ours)
    assert ours[-1] == "Sequential" and ours.count("Linear") == 3  # shared: once per place
    assert ours == apply_order(theirs())


def test_apply_for_a_custom_initialisation():
    def init(m):
        if isinstance(m, nn.Linear):
            m.weight.data = np.zeros(m.weight.shape, dtype=m.weight.dtype)

    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)).apply(init)
    assert all(not layer.weight.data.any() for layer in (model[0], model[2]))
    with pytest.raises(TypeError, match="function of a module"):
        model.apply("init")


# --------------------------------------------------------------------------- clip_grad_value_


@pytest.mark.parametrize("clip", [0.0, 0.3, 1, 2.5, float("inf")])
def test_clip_grad_value_matches_pytorch(clip):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    grads = [rng.normal(scale=2.0, size=(3, 4)), rng.normal(size=5), None, np.array(-7.0)]
    ours, ref = [], []
    for g in grads:
        p = nn.Parameter(np.zeros(() if g is None else g.shape))
        q = torch.nn.Parameter(torch.zeros(p.shape, dtype=torch.float64))
        if g is not None:
            p.grad, q.grad = g.copy(), torch.from_numpy(g.copy())
        ours.append(p)
        ref.append(q)
    originals = [None if p.grad is None else p.grad for p in ours]
    assert nn.utils.clip_grad_value_(ours, clip) is None
    torch.nn.utils.clip_grad_value_([q for q in ref if q.grad is not None], clip)
    for p, q, g, original in zip(ours, ref, grads, originals):
        if g is None:
            assert p.grad is None
            continue
        np.testing.assert_array_equal(p.grad, q.grad.numpy())
        np.testing.assert_array_equal(original, g)  # the old array was not written to


def test_clip_grad_value_keeps_dtype_nan_and_checks_its_value():
    p = nn.Parameter(np.zeros(3, dtype=np.float32))
    p.grad = np.array([np.nan, 3.0, -0.5], dtype=np.float32)
    nn.utils.clip_grad_value_(p, 1.0)  # a single Tensor works too
    assert p.grad.dtype == np.float32
    np.testing.assert_array_equal(p.grad, [np.nan, 1.0, -0.5])
    for bad, error in [
        (-1.0, ValueError),
        (float("nan"), ValueError),
        (True, TypeError),
        ("1", TypeError),
    ]:
        with pytest.raises(error, match="clip_value"):
            nn.utils.clip_grad_value_([p], bad)
    with pytest.raises(TypeError, match=r"parameters\[1\] is a ndarray"):
        nn.utils.clip_grad_value_([p, np.zeros(2)], 1.0)
