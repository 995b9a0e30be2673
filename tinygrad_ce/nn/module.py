"""``Module`` and ``Parameter``, and the layers built on them: ``Linear``, ``Sequential``, ``ReLU``,
``Tanh``.

How a module finds its parts: there is no registry to fill in. A module's parameters are the
``Parameter`` values among its attributes, its children the ``Module`` values among them, both in
the order the attributes were first assigned (``vars(module)``). So ``self.fc = Linear(4, 3)`` is
all it takes, ``super().__init__()`` is optional, and ``del self.fc`` or ``self.fc = None``
removes it. Lists and dicts of modules are *not* searched (as in PyTorch): use ``Sequential``.

Names are checked as PyTorch checks them: a submodule or parameter name may not be empty, may not
contain ``"."`` (it would collide with the dotted names of ``state_dict``), and may not shadow a
method or property of the class (``forward``, ``parameters``, ...) or ``training``; each raises
``KeyError`` naming the name.

Collisions follow PyTorch's rules, so nothing is replaced by accident:

- ``register_parameter(name, ...)`` and ``add_module(name, ...)`` raise ``KeyError("attribute
  'name' already exists ...")`` when ``name`` is already something else: a child module, a
  parameter (for ``add_module``), a plain attribute (``self.foo = 5``) or a class attribute.
  Registering a parameter over a parameter (or ``None``), a module over a module, is allowed.
- Plain assignment is looser, as in PyTorch: ``self.a = Parameter(...)`` replaces a child module
  or plain attribute ``a``, and ``self.a = Linear(...)`` a plain attribute. But a parameter slot
  takes only a ``Parameter`` or ``None`` (``self.weight = self.weight * 2`` or
  ``self.weight = Linear(...)`` raise ``TypeError``), and a child-module slot only a ``Module``,
  a ``Parameter`` or ``None``. A slot set to ``None`` keeps its kind (``Linear(..., bias=False)``
  has a parameter slot ``bias``); ``del`` frees the name.

``train()`` / ``eval()`` set ``.training`` on the module and every submodule (``Dropout`` reads it).

Names follow PyTorch: a module's own parameters first, then each child's under ``child_name.``,
so ``Sequential(Linear(4, 8), ReLU(), Linear(8, 3))`` has ``0.weight, 0.bias, 2.weight, 2.bias``.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from tinygrad_ce import seeding
from tinygrad_ce.engine import Tensor

__all__ = ["Linear", "Module", "ModuleList", "Parameter", "ReLU", "Sequential", "Tanh"]


class Parameter(Tensor):
    """A Tensor that is a trainable weight of a ``Module``: it requires grad by default.

    Assigning a ``Parameter`` to an attribute of a module is what makes the module find it
    (``parameters()``, ``state_dict()``, optimizers). The data is copied, as for ``Tensor``.
    The results of operations on a Parameter are plain Tensors.

    >>> import numpy as np
    >>> p = Parameter(np.zeros((2, 3)))
    >>> p.requires_grad, p.shape, p.dtype
    (True, (2, 3), dtype('float64'))
    >>> type(p * 2).__name__
    'Tensor'
    """

    __slots__ = ()

    def __init__(self, data, requires_grad=True, dtype=None):
        super().__init__(data, requires_grad=requires_grad, dtype=dtype)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(NamedTuple):
    """What ``Module.load_state_dict(..., strict=False)`` skipped (empty lists when strict).

    >>> Linear(2, 1).load_state_dict({"weight": [[1.0, 2.0]]}, strict=False)
    IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])
    """

    missing_keys: list[str]
    unexpected_keys: list[str]


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


_MISSING = object()

# The instance attribute (a dict, created when first needed) that remembers the kind of a slot
# whose value is None: ``"parameter"`` or ``"module"``. A slot holding a Parameter or a Module
# needs no record (the value says which); a None does not, and PyTorch keeps that kind
# (``_parameters["bias"] = None``), so that ``layer.bias = tensor`` is refused.
_NONE_SLOTS = "_none_slots"


def _slot_kind(module, name):
    """``"parameter"``, ``"module"`` or None (a plain attribute, or no attribute)."""
    value = vars(module).get(name, _MISSING)
    if isinstance(value, Parameter):
        return "parameter"
    if isinstance(value, Module):
        return "module"
    if value is None:
        return vars(module).get(_NONE_SLOTS, {}).get(name)
    return None


def _store(module, name, value, kind):
    """Set the attribute and keep the record of None slots up to date."""
    object.__setattr__(module, name, value)
    record = vars(module).get(_NONE_SLOTS)
    if value is None and kind is not None:
        if record is None:
            record = {}
            object.__setattr__(module, _NONE_SLOTS, record)
        record[name] = kind
    elif record is not None:
        record.pop(name, None)


def _describe(module, name):
    """What ``name`` already is on ``module``, for the collision messages."""
    kind = _slot_kind(module, name)
    if kind == "module":
        value = vars(module)[name]
        return "a child module" + (f" ({type(value).__name__})" if value is not None else "")
    if kind == "parameter":
        return "a parameter"
    if name in vars(module):
        return f"a plain attribute ({type(vars(module)[name]).__name__})"
    return f"an attribute of the class {type(module).__name__}"


def _check_free(module, name, kind, method):
    """PyTorch's rule for ``register_parameter``/``add_module``: the name must be free, or
    already a slot of the same kind (which is then replaced)."""
    exists = name in vars(module) or (
        inspect.getattr_static(type(module), name, _MISSING) is not _MISSING
    )
    if exists and _slot_kind(module, name) != kind:
        raise KeyError(
            f"attribute '{name}' already exists ({_describe(module, name)}); {method} does not "
            f"replace it: delete it first (del module.{name}) or choose another name"
        )


def _wrong_value(module, name, value, kind):
    expected = "nn.Parameter or None" if kind == "parameter" else "nn.Module or None"
    slot = "parameter" if kind == "parameter" else "child module"
    hint = ""
    if kind == "parameter" and isinstance(value, Tensor):
        hint = "; to make it a weight wrap it (nn.Parameter(...))"
        if vars(module).get(name) is not None:
            hint = f"; to change its values assign module.{name}.data" + hint.replace(";", ",")
    return TypeError(
        f"cannot assign '{type(value).__name__}' as {slot} '{name}' ({expected} expected){hint}"
    )


def _check_name(module, name, kind):
    """PyTorch's rules for a submodule or parameter name (``add_module``/``register_parameter``).

    A ``"."`` would make two different parameters share a ``state_dict`` key (a child ``"a.b"``
    beside a child ``a`` holding ``b``); a method or property of the class (``forward``,
    ``parameters``, ...) would be shadowed by the instance attribute, breaking the module.
    """
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string, got {type(name).__name__} {name!r}")
    if name == "":
        raise KeyError(f'{kind} name cannot be empty ("")')
    if "." in name:
        raise KeyError(f'{kind} name cannot contain ".", got "{name}"')
    shadowed = inspect.getattr_static(type(module), name, _MISSING)
    # Methods and properties (descriptors) would be hidden by the instance attribute; a plain
    # class-level default (``head = None``) may be replaced, except the ``training`` flag.
    if shadowed is not _MISSING and (hasattr(shadowed, "__get__") or name == "training"):
        raise KeyError(
            f"cannot name a {kind} {name!r}: {type(module).__name__} already has an attribute "
            f"{name!r}"
        )


def _state_problems(own, described, missing, unexpected, strict):
    """What stops loading a state dict, as messages naming keys, shapes and dtypes.

    ``own`` maps parameter names to parameters; ``described`` maps each loadable key to its
    ``(shape, dtype)`` or to a message. Shared by ``load_state_dict`` and ``nn.load`` (which
    describes an archive from its ``.npy`` headers, before reading any array).
    """
    problems = []
    if strict and missing:
        problems.append(f"missing keys {missing}")
    if strict and unexpected:
        problems.append(f"unexpected keys {unexpected}")
    for name, description in described.items():
        if isinstance(description, str):
            problems.append(f"{name!r}: {description}")
            continue
        shape, dtype = description
        if dtype.kind not in "biuf":
            problems.append(f"{name!r}: dtype {dtype} is not numeric")
        elif tuple(shape) != own[name].shape:
            problems.append(
                f"{name!r}: shape {tuple(shape)} in the state dict, {own[name].shape} in the module"
            )
    return problems


def _copy_into(param, array):
    """Write ``array`` (cast to the parameter's dtype) into ``param``'s own array, and assign it
    back through the ``.data`` setter: the array keeps its identity and the tensor's version
    counter records the in-place change (backward through a graph that saved it then raises)."""
    data = param.data
    np.copyto(data, array, casting="unsafe")
    param.data = data


class Module:
    """Base class of layers and models: write ``forward``, call the module like a function.

    Parameters and submodules are found automatically among the attributes (see the module
    docstring). ``zero_grad()`` sets every parameter's ``.grad`` to ``None`` (PyTorch's default;
    ``set_to_none=False`` fills the existing arrays with zeros instead).

    >>> import numpy as np
    >>> class Affine(Module):
    ...     def __init__(self):
    ...         self.scale = Parameter(np.ones(2))
    ...         self.inner = Linear(2, 2, rng=0)
    ...     def forward(self, x):
    ...         return self.inner(x) * self.scale
    >>> model = Affine()
    >>> [name for name, _ in model.named_parameters()]
    ['scale', 'inner.weight', 'inner.bias']
    >>> model(np.ones((5, 2), dtype=np.float32)).shape
    (5, 2)
    """

    #: True in training mode (the default), False after ``eval()``; see ``train()``.
    training = True

    # ------------------------------------------------------------------ registration

    def __setattr__(self, name, value):
        kind = _slot_kind(self, name)
        if isinstance(value, Parameter):
            _check_name(self, name, "parameter")  # replaces a child module or plain attribute
            kind = "parameter"
        elif isinstance(value, Module):
            _check_name(self, name, "module")
            if kind == "parameter":
                raise _wrong_value(self, name, value, kind)
            kind = "module"
        elif value is not None and kind is not None:
            raise _wrong_value(self, name, value, kind)
        _store(self, name, value, kind)

    def __delattr__(self, name):
        object.__delattr__(self, name)
        record = vars(self).get(_NONE_SLOTS)
        if record is not None:
            record.pop(name, None)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add ``module`` as the child ``name`` (``None`` keeps the slot, empty), with PyTorch's
        checks: ``TypeError`` for a name that is not a string, ``KeyError`` for an empty name, a
        name containing ``"."``, one that shadows a method or property of the class, or one
        already used by anything but a child module (a parameter, a plain attribute).

        >>> model = Sequential()
        >>> model.add_module("head", Linear(2, 1))
        >>> [name for name, _ in model.named_children()]
        ['head']
        >>> model.add_module("forward", ReLU())
        Traceback (most recent call last):
            ...
        KeyError: "cannot name a module 'forward': Sequential already has an attribute 'forward'"
        >>> model.register_parameter("scale", Parameter(np.ones(1)))
        >>> model.add_module("scale", ReLU())
        Traceback (most recent call last):
            ...
        KeyError: "attribute 'scale' already exists (a parameter); add_module does not replace it: delete it first (del module.scale) or choose another name"
        """  # noqa: E501
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module")
        _check_name(self, name, "module")
        _check_free(self, name, "module", "add_module")
        _store(self, name, module, "module")

    register_module = add_module

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add ``param`` as the parameter ``name``, with the checks of ``add_module``: the name
        may be new or already a parameter (replaced), not a child module or plain attribute
        (``KeyError``, as in PyTorch). ``None`` keeps an empty parameter slot (as
        ``Linear(..., bias=False)`` stores its bias).

        >>> layer = Linear(2, 1, bias=False)
        >>> layer.register_parameter("bias", Parameter(np.zeros(1)))
        >>> [name for name, _ in layer.named_parameters()]
        ['weight', 'bias']
        """
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: {type(param).__name__} is not a Parameter (wrap it: "
                f"nn.Parameter(...))"
            )
        _check_name(self, name, "parameter")
        _check_free(self, name, "parameter", "register_parameter")
        _store(self, name, param, "parameter")

    # ------------------------------------------------------------------ modes

    def train(self, mode: bool = True) -> Module:
        """Set training mode (``mode=True``) or evaluation mode on this module and every
        submodule; returns ``self``. Only layers that behave differently read ``.training``
        (``Dropout``: identity in evaluation mode).

        >>> model = Sequential(Linear(2, 2), ReLU())
        >>> model.eval().training, model[1].training
        (False, False)
        >>> model.train().training, model[1].training
        (True, True)
        """
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``; returns ``self``.

        >>> ReLU().eval().training
        False
        """
        return self.train(False)

    # ------------------------------------------------------------------ calling

    def forward(self, *args, **kwargs):
        """The computation; every subclass defines it. Call the module, not this method.

        >>> Tanh().forward(Tensor([0.0]))
        Tensor([0.])
        """
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------------ discovery

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct submodules, ``(attribute name, module)``, in assignment order; a module
        held under two names is listed once, under the first (as in PyTorch).

        >>> [name for name, _ in Sequential(Linear(2, 2), ReLU()).named_children()]
        ['0', '1']
        """
        seen: set[int] = set()
        for name, value in vars(self).items():
            if isinstance(value, Module) and id(value) not in seen:
                seen.add(id(value))
                yield name, value

    def children(self) -> Iterator[Module]:
        """The direct submodules, in assignment order.

        >>> [type(m).__name__ for m in Sequential(Linear(2, 2), ReLU()).children()]
        ['Linear', 'ReLU']
        """
        for _, child in self.named_children():
            yield child

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module (named ``prefix``) and all submodules, depth first, each once.

        >>> [name for name, _ in Sequential(Linear(2, 2), ReLU()).named_modules()]
        ['', '0', '1']
        """
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{child_name}" if name else child_name, child)
                for child_name, child in module.named_children()
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and all submodules, depth first, each once.

        >>> len(list(Sequential(Linear(2, 2), Sequential(ReLU())).modules()))
        4
        """
        for _, module in self.named_modules():
            yield module

    def _all_named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Every (name, parameter) pair, shared ones under each of their names."""
        children = []
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + name, value
            elif isinstance(value, Module):
                children.append((name, value))
        for name, child in children:
            yield from child._all_named_parameters(prefix + name + ".")

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs: own parameters first, then each child's.

        A parameter shared by two submodules is listed once, under its first name.

        >>> model = Sequential(Linear(4, 8), ReLU(), Linear(8, 3))
        >>> [(name, p.shape) for name, p in model.named_parameters()]
        [('0.weight', (8, 4)), ('0.bias', (8,)), ('2.weight', (3, 8)), ('2.bias', (3,))]
        """
        seen: set[int] = set()
        for name, p in self._all_named_parameters(prefix + "." if prefix else ""):
            if id(p) not in seen:
                seen.add(id(p))
                yield name, p

    def parameters(self) -> Iterator[Parameter]:
        """Every parameter, each once, in ``named_parameters`` order (what optimizers take).

        >>> sum(p.size for p in Linear(4, 3).parameters())
        15
        """
        for _, p in self.named_parameters():
            yield p

    # ------------------------------------------------------------------ gradients

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``.grad = None`` (default), or fill them with zeros in place.

        >>> import numpy as np
        >>> layer = Linear(2, 1, rng=0)
        >>> layer(np.ones((1, 2), dtype=np.float32)).sum().backward()
        >>> layer.weight.grad
        array([[1., 1.]], dtype=float32)
        >>> layer.zero_grad()
        >>> layer.weight.grad is None
        True
        """
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.fill(0)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` of every parameter (``False`` freezes them: backward then
        leaves their ``.grad`` alone); returns ``self``, as in PyTorch.

        >>> model = Sequential(Linear(2, 2), Linear(2, 1))
        >>> _ = model[0].requires_grad_(False)   # freeze the first layer
        >>> [p.requires_grad for p in model.parameters()]
        [False, False, True, True]
        """
        if not isinstance(requires_grad, bool | np.bool_):
            raise TypeError(f"requires_grad_ takes True or False, got {requires_grad!r}")
        for p in self.parameters():
            p.requires_grad = bool(requires_grad)
        return self

    # ------------------------------------------------------------------ dtypes

    def to(self, dtype) -> Module:
        """Cast every parameter (and its ``.grad``) to the floating ``dtype``, in place; returns
        ``self``. As PyTorch's ``module.to(dtype)``: the Parameter objects stay the same (an
        optimizer built on ``parameters()`` keeps working), their arrays are replaced through
        ``.data`` (an in-place change for the version check). Only floating dtypes: a model of
        integers could not be trained (``TypeError``). There are no devices: ``to("cpu")`` and
        ``to("cuda")`` raise ``TypeError`` (tinygrad_ce runs on the CPU only; drop the call).

        >>> layer = Linear(2, 1).to(np.float64)
        >>> layer.weight.dtype, layer.bias.dtype
        (dtype('float64'), dtype('float64'))
        >>> layer.to("float32").weight.dtype
        dtype('float32')
        """
        if isinstance(dtype, str) and dtype.split(":")[0] in ("cpu", "cuda", "mps", "meta"):
            raise TypeError(
                f"Module.to({dtype!r}): there are no devices, tinygrad_ce runs on the CPU "
                f"(drop the call); Module.to takes a floating dtype (np.float32, 'float64')"
            )
        try:
            target = np.dtype(dtype)
        except TypeError:
            raise TypeError(
                f"Module.to takes a floating dtype (np.float32, 'float64'), got {dtype!r}"
            ) from None
        if target.kind != "f":
            raise TypeError(
                f"Module.to only accepts floating dtypes (as nn.Module.to in PyTorch), got {target}"
            )
        for p in self.parameters():
            if p.dtype != target:
                p.data = p.data.astype(target)
                if p.grad is not None:
                    p.grad = p.grad.astype(target)
        return self

    def float(self) -> Module:
        """Every parameter as float32 (``to(np.float32)``); returns ``self``.

        >>> Linear(2, 1, dtype=np.float64).float().weight.dtype
        dtype('float32')
        """
        return self.to(np.float32)

    def double(self) -> Module:
        """Every parameter as float64 (``to(np.float64)``); returns ``self``.

        >>> Linear(2, 1).double().weight.dtype
        dtype('float64')
        """
        return self.to(np.float64)

    # ------------------------------------------------------------------ visiting

    def apply(self, fn) -> Module:
        """Call ``fn(module)`` on every submodule, children before their parent, then on
        ``self``; returns ``self`` (PyTorch's ``apply``, typically for a custom initialisation).

        >>> def init(m):
        ...     if isinstance(m, Linear):
        ...         m.weight.data = np.full(m.weight.shape, 0.5, dtype=m.weight.dtype)
        >>> model = Sequential(Linear(2, 2), ReLU(), Linear(2, 1)).apply(init)
        >>> model[2].weight.tolist()
        [[0.5, 0.5]]
        """
        if not callable(fn):
            raise TypeError(f"apply takes a function of a module, got {type(fn).__name__}")
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ state

    def state_dict(self) -> dict[str, np.ndarray]:
        """A new dict: dotted parameter name -> a *copy* of its array (later training leaves
        it unchanged). A parameter shared under two names appears under both, as in PyTorch.

        >>> sd = Linear(4, 3, rng=0).state_dict()
        >>> {name: a.shape for name, a in sd.items()}
        {'weight': (3, 4), 'bias': (3,)}
        """
        return {name: p.data.copy() for name, p in self._all_named_parameters()}

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True):
        """Copy the arrays of ``state_dict`` into the parameters, in place (arrays keep their
        identity, so an optimizer built on ``parameters()`` stays valid); values are cast to
        each parameter's dtype.

        Everything is checked before anything is copied: on any error the module is unchanged.
        ``strict=True`` (default): the keys must be exactly the parameter names, else
        ``ValueError`` naming the missing and the unexpected keys. ``strict=False`` skips both
        and returns them. In both modes a value whose shape differs from the parameter's, or that
        is not numeric, raises ``ValueError`` naming the key and both shapes.

        Returns ``IncompatibleKeys(missing_keys, unexpected_keys)``, as PyTorch does.

        >>> a, b = Linear(4, 3, rng=0), Linear(4, 3, rng=1)
        >>> b.load_state_dict(a.state_dict())
        IncompatibleKeys(missing_keys=[], unexpected_keys=[])
        >>> bool((a.weight.data == b.weight.data).all())
        True
        >>> Linear(4, 2).load_state_dict(a.state_dict())
        Traceback (most recent call last):
            ...
        ValueError: cannot load state dict into Linear: 'weight': shape (3, 4) in the state dict, (2, 4) in the module; 'bias': shape (3,) in the state dict, (2,) in the module
        """  # noqa: E501
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"load_state_dict expects a mapping of name -> array, got "
                f"{type(state_dict).__name__}"
            )
        own = dict(self._all_named_parameters())
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        arrays, described = {}, {}
        for name, value in state_dict.items():
            if name not in own:
                continue
            try:
                arrays[name] = value.data if isinstance(value, Tensor) else np.asarray(value)
            except (TypeError, ValueError) as exc:
                described[name] = f"not an array ({exc})"
                continue
            described[name] = (arrays[name].shape, arrays[name].dtype)
        problems = _state_problems(own, described, missing, unexpected, strict)
        if problems:
            raise ValueError(
                f"cannot load state dict into {type(self).__name__}: " + "; ".join(problems)
            )
        for name, array in arrays.items():
            _copy_into(own[name], array)
        return IncompatibleKeys(missing if not strict else [], unexpected if not strict else [])

    # ------------------------------------------------------------------ printing

    def extra_repr(self) -> str:
        """The text inside this module's parentheses in ``repr`` (subclasses override it).

        >>> Linear(4, 3).extra_repr()
        'in_features=4, out_features=3, bias=True'
        """
        return ""

    def __repr__(self):
        name = type(self).__name__
        extra = self.extra_repr()
        # Every name, a shared child under each (as PyTorch prints its _modules).
        children = [(n, v) for n, v in vars(self).items() if isinstance(v, Module)]
        if not children:
            return f"{name}({extra})"
        lines = [f"  {extra}"] if extra else []
        for child_name, child in children:
            lines.append(f"  ({child_name}): " + repr(child).replace("\n", "\n  "))
        return f"{name}(\n" + "\n".join(lines) + "\n)"


# --------------------------------------------------------------------------- layers


def _check_size(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative int, got {value!r}")
    return int(value)


class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight`` of shape ``(out_features, in_features)``.

    Initialised as PyTorch does: weight and bias drawn from U(-k, k) with
    ``k = 1 / sqrt(in_features)``, weight first. ``rng`` (keyword) is a
    ``numpy.random.Generator`` or an int seed; ``None`` (the default) draws from
    ``tinygrad_ce.seeding.default_generator()``, so ``tg.manual_seed(n)`` makes every layer built
    after it reproducible, while an explicit ``rng`` always wins. ``dtype`` is float32 by
    default; use ``numpy.float64`` for exact comparisons with torch.

    An input whose last dimension is not ``in_features`` raises ``ValueError`` naming the layer
    and the input's shape, before any arithmetic.

    >>> import numpy as np
    >>> layer = Linear(4, 3, rng=np.random.default_rng(0))
    >>> layer.weight.shape, layer.bias.shape, layer.weight.dtype
    ((3, 4), (3,), dtype('float32'))
    >>> bool(np.abs(layer.weight.data).max() <= 0.5)  # 1 / sqrt(4)
    True
    >>> layer(np.ones((2, 4), dtype=np.float32)).shape
    (2, 3)
    >>> Linear(4, 3, bias=False, dtype=np.float64)
    Linear(in_features=4, out_features=3, bias=False, dtype=float64)
    >>> layer(np.ones((2, 5)))
    Traceback (most recent call last):
        ...
    ValueError: Linear(in_features=4, out_features=3, bias=True) expects inputs of shape (..., 4), got shape (2, 5)
    """  # noqa: E501

    def __init__(self, in_features, out_features, bias=True, *, rng=None, dtype="float32"):
        self.in_features = _check_size("in_features", in_features)
        self.out_features = _check_size("out_features", out_features)
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Linear needs a floating dtype, got {dtype}")
        rng = seeding.generator_from(rng)
        bound = 1.0 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
        shape = (self.out_features, self.in_features)
        self.weight = Parameter(rng.uniform(-bound, bound, size=shape).astype(dtype))
        if bias:
            self.bias = Parameter(rng.uniform(-bound, bound, size=self.out_features).astype(dtype))
        else:
            self.register_parameter("bias", None)  # an empty parameter slot, as in PyTorch

    def forward(self, x):
        """``x @ weight.T + bias`` for ``x`` of shape ``(..., in_features)``."""
        shape = x.shape if isinstance(x, Tensor | np.ndarray) else np.shape(x)
        if len(shape) == 0 or shape[-1] != self.in_features:
            raise ValueError(
                f"Linear({self.extra_repr()}) expects inputs of shape (..., {self.in_features}), "
                f"got shape {tuple(shape)}"
            )
        out = x @ self.weight.T
        if self.bias is not None:
            out = out + self.bias
        return out

    def extra_repr(self):
        text = (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
        if self.weight.dtype != np.float32:
            text += f", dtype={self.weight.dtype}"
        return text


class Sequential(Module):
    """Modules applied one after the other; children are named ``"0"``, ``"1"``, ...

    Also takes one ``dict`` (or ``OrderedDict``) of name -> module; the names are checked as
    ``add_module`` checks them (``KeyError`` for ``""``, a name containing ``"."`` or one that
    shadows a method such as ``"forward"``; ``TypeError`` for a name that is not a string, as in
    PyTorch). Supports ``len``, iteration, indexing (an int gives the module, a slice a new
    ``Sequential`` sharing the modules), item assignment, ``del``, ``append``, ``insert``,
    ``extend`` and ``pop``. A module given twice runs twice (its parameters count once).

    >>> import numpy as np
    >>> model = Sequential(Linear(4, 8, rng=0), Tanh(), Linear(8, 3, rng=1))
    >>> model(np.ones((5, 4), dtype=np.float32)).shape
    (5, 3)
    >>> len(model), type(model[-1]).__name__
    (3, 'Linear')
    >>> model
    Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): Tanh()
      (2): Linear(in_features=8, out_features=3, bias=True)
    )
    >>> Sequential({"block.0": Linear(2, 2)})
    Traceback (most recent call last):
        ...
    KeyError: 'module name cannot contain ".", got "block.0"'
    """

    def __init__(self, *modules):
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            named = list(modules[0].items())
        else:
            named = [(str(i), m) for i, m in enumerate(modules)]
        for name, module in named:
            if not isinstance(module, Module):
                raise TypeError(f"Sequential takes Modules; {name!r} is a {type(module).__name__}")
            self.add_module(name, module)

    def _named_entries(self) -> list[tuple[str, Module]]:
        """Every entry, a module held twice included (``Sequential(act, lin, act)`` runs ``act``
        twice, as in PyTorch; ``children()`` lists each module once)."""
        return [(name, m) for name, m in vars(self).items() if isinstance(m, Module)]

    def _children_list(self) -> list[Module]:
        return [module for _, module in self._named_entries()]

    def forward(self, x):
        """Each entry applied to the previous one's output, in order."""
        for module in self._children_list():
            x = module(x)
        return x

    def __len__(self):
        return len(self._named_entries())

    def __iter__(self):
        return iter(self._children_list())

    def _position(self, index):
        n = len(self)
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"Sequential indices must be ints or slices, got {index!r}")
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range for a Sequential of length {n}")
        return int(index) % n

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(OrderedDict(self._named_entries()[index]))
        return self._children_list()[self._position(index)]

    def __setitem__(self, index, module):
        if not isinstance(module, Module):
            raise TypeError(f"Sequential takes Modules, got {type(module).__name__}")
        name, _ = self._named_entries()[self._position(index)]
        setattr(self, name, module)

    def __delitem__(self, index):
        modules = self._children_list()
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[self._position(index)]
        self._renumber(modules)

    def _renumber(self, modules):
        """Entries named ``"0"``, ``"1"``, ... again, as PyTorch renumbers after a deletion."""
        for name, _ in self._named_entries():
            del self.__dict__[name]
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def insert(self, index: int, module: Module) -> Sequential:
        """Put ``module`` before position ``index``; returns ``self``, as PyTorch's."""
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.insert takes a Module, got {type(module).__name__}")
        modules = self._children_list()
        modules.insert(index, module)
        self._renumber(modules)
        return self

    def extend(self, modules) -> Sequential:
        """``append`` each module of ``modules``; returns ``self``."""
        for module in list(modules):
            self.append(module)
        return self

    def pop(self, index: int = -1) -> Module:
        """Remove the module at ``index`` and return it."""
        module = self[index]
        del self[index]
        return module

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end (named by its position); returns ``self``.

        >>> len(Sequential(Linear(2, 2)).append(ReLU()))
        2
        """
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.append takes a Module, got {type(module).__name__}")
        name = str(len(self))
        if name in vars(self):  # possible after Sequential({"1": ...}): never replace a child
            raise KeyError(f"Sequential.append: a child is already named {name!r}")
        self.add_module(name, module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters the parent finds (a plain Python list hides them).

    As PyTorch's ``nn.ModuleList``: built from an iterable of modules, children named ``"0"``,
    ``"1"``, ...; ``append``, ``extend``, ``insert``, ``+=``, ``len``, iteration, indexing (an
    int gives the module, a slice a new ``ModuleList`` of the same modules), item assignment and
    ``del``. It has no ``forward``: loop over it in the parent's ``forward``. Anything but a
    ``Module`` raises ``TypeError``; an index out of range ``IndexError`` naming it.

    >>> import numpy as np
    >>> class Deep(Module):
    ...     def __init__(self, widths):
    ...         self.layers = ModuleList(Linear(a, b) for a, b in zip(widths, widths[1:]))
    ...     def forward(self, x):
    ...         for layer in self.layers:
    ...             x = layer(x).relu()
    ...         return x
    >>> model = Deep([4, 8, 8, 2])
    >>> len(model.layers), [name for name, _ in model.named_parameters()][:3]
    (3, ['layers.0.weight', 'layers.0.bias', 'layers.1.weight'])
    >>> model(np.ones((5, 4), dtype=np.float32)).shape
    (5, 2)
    """

    def __init__(self, modules=None):
        if modules is not None:
            self.extend(modules)

    def _list(self) -> list[Module]:
        return [vars(self)[str(i)] for i in range(self._count())]

    def _count(self) -> int:
        n = 0
        while isinstance(vars(self).get(str(n)), Module):
            n += 1
        return n

    def _check(self, module, where):
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList.{where} takes a Module, got {type(module).__name__}")
        return module

    def _index(self, index, n):
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"ModuleList indices must be ints or slices, got {index!r}")
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range for a ModuleList of length {n}")
        return int(index) % n

    def _rebuild(self, modules):
        for i in range(self._count()):
            del self.__dict__[str(i)]
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def __len__(self):
        return self._count()

    def __iter__(self):
        return iter(self._list())

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ModuleList(self._list()[index])
        return vars(self)[str(self._index(index, len(self)))]

    def __setitem__(self, index, module):
        index = self._index(index, len(self))
        self.add_module(str(index), self._check(module, "__setitem__"))

    def __delitem__(self, index):
        modules = self._list()
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[self._index(index, len(modules))]
        self._rebuild(modules)

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return ModuleList([*self, *other])

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns ``self``.

        >>> len(ModuleList([ReLU()]).append(Tanh()))
        2
        """
        self.add_module(str(len(self)), self._check(module, "append"))
        return self

    def extend(self, modules) -> ModuleList:
        """Add each module of the iterable ``modules`` at the end; returns ``self``.

        >>> len(ModuleList().extend([ReLU(), Tanh()]))
        2
        """
        if not isinstance(modules, Iterable):
            raise TypeError(
                f"ModuleList.extend takes an iterable of Modules, got {type(modules).__name__}"
            )
        new = [self._check(m, "extend") for m in modules]  # all checked before any is added
        for module in new:
            self.append(module)
        return self

    def pop(self, index: int) -> Module:
        """Remove the module at ``index`` and return it, as PyTorch's.

        >>> ml = ModuleList([ReLU(), Tanh()])
        >>> type(ml.pop(0)).__name__, [type(m).__name__ for m in ml]
        ('ReLU', ['Tanh'])
        """
        module = self[index]
        del self[index]
        return module

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index`` (as ``list.insert``).

        >>> ml = ModuleList([ReLU(), ReLU()])
        >>> ml.insert(1, Tanh())
        >>> [type(m).__name__ for m in ml]
        ['ReLU', 'Tanh', 'ReLU']
        """
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"ModuleList.insert index must be an int, got {index!r}")
        modules = self._list()
        modules.insert(int(index), self._check(module, "insert"))
        self._rebuild(modules)


class ReLU(Module):
    """``max(x, 0)`` elementwise, as a module (for ``Sequential``).

    ``inplace`` is accepted for PyTorch's signature; the result is always a new tensor (the
    values are the same), since tinygrad_ce never changes an input in place.

    >>> ReLU()(Tensor([-1.0, 2.0]))
    Tensor([0., 2.])
    """

    def __init__(self, inplace: bool = False):
        self.inplace = bool(inplace)

    def forward(self, x):
        """``x.relu()`` (a NumPy array or list is made a Tensor first)."""
        return _as_tensor(x).relu()

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Tanh(Module):
    """``tanh(x)`` elementwise, as a module (for ``Sequential``).

    >>> Tanh()(Tensor([0.0]))
    Tensor([0.])
    """

    def forward(self, x):
        """``x.tanh()`` (a NumPy array or list is made a Tensor first)."""
        return _as_tensor(x).tanh()
