"""``Optimizer``: the base class of the optimizers, with PyTorch's parameter groups and state dicts.

An optimizer holds ``param_groups``, a list of dicts: each has ``"params"`` (its Tensors) and one
entry per hyper-parameter (``"lr"``, ``"momentum"``, ...), filled from the constructor's
arguments where the group does not set its own. ``step()`` reads the hyper-parameters from the
groups on every call, so changing ``group["lr"]`` (what the ``lr_scheduler`` classes do) takes
effect at the next step. ``state`` maps each parameter (by identity) to its own dict (momentum
buffers, Adam's moments), created at its first update.

``state_dict()`` / ``load_state_dict()`` use PyTorch's layout: ``{"state": {index: {...}},
"param_groups": [{..., "params": [index, ...]}]}`` with parameters numbered across the groups in
order, so training resumed from a saved state follows exactly the trajectory it would have
followed without the interruption.

Every ``step()`` first checks each ``.grad`` against its parameter (a NumPy array of the same
shape and dtype) and raises, naming the parameter and both shapes or dtypes, before it changes
anything: a gradient that merely broadcasts would otherwise update every entry. Parameters are
changed in place through the ``.data`` setter (``p.data -= ...``), so each update counts as an
in-place change (``Tensor._version``) and a backward through a graph that saved the old value
raises instead of using the new one.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Iterable, Mapping, MutableMapping

import numpy as np

from tinygrad_ce.engine import Tensor

__all__ = ["Optimizer"]


def _check_non_negative(name, value, where=""):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(f"Invalid {name}{where}: {value!r} (must be a number >= 0)")
    return float(value)


def _check_real(name, value, where=""):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"Invalid {name}{where}: {value!r} (must be a number)")
    return float(value)


def _check_bool(name, value, where=""):
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"Invalid {name}{where}: {value!r} (must be True or False)")
    return bool(value)


class ParameterState(MutableMapping):
    """The optimizer's state: parameter -> dict, keyed by the parameter's identity (PyTorch keys
    a dict by the tensors; ours compare elementwise, so they cannot be dict keys themselves).

    Reading a parameter that has no state yet gives a new empty dict, as PyTorch's
    ``defaultdict(dict)`` does; ``get`` and ``in`` do not create one.

    >>> w = Tensor([1.0], requires_grad=True)
    >>> state = ParameterState()
    >>> w in state, len(state)
    (False, 0)
    >>> state[w]["step"] = 1
    >>> w in state, state[w]
    (True, {'step': 1})
    """

    def __init__(self):
        self._items: dict[int, tuple[Tensor, dict]] = {}

    def __getitem__(self, param):
        entry = self._items.get(id(param))
        if entry is None or entry[0] is not param:
            entry = self._items[id(param)] = (param, {})
        return entry[1]

    def __setitem__(self, param, value):
        self._items[id(param)] = (param, value)

    def __delitem__(self, param):
        del self._items[id(param)]

    def __contains__(self, param):
        entry = self._items.get(id(param))
        return entry is not None and entry[0] is param

    def get(self, param, default=None):
        return self._items[id(param)][1] if param in self else default

    def __iter__(self):
        return (param for param, _ in list(self._items.values()))

    def __len__(self):
        return len(self._items)

    def __repr__(self):
        return "ParameterState(" + repr([value for _, value in self._items.values()]) + ")"

    def __reduce__(self):
        # Rebuilt from the (parameter, state) pairs, so that a copy (copy.deepcopy, pickle) is
        # keyed by the copied parameters, not by the identities of the originals.
        return (_rebuild_state, (list(self._items.values()),))


def _rebuild_state(items):
    state = ParameterState()
    for param, value in items:
        state[param] = value
    return state


def _copy_value(value):
    return np.array(value, copy=True) if isinstance(value, np.ndarray) else copy.deepcopy(value)


class Optimizer:
    """Base class: parameter groups, per-parameter state, ``zero_grad``, ``state_dict``.

    ``params`` is an iterable (read once) of Tensors, of ``(name, Tensor)`` pairs (as
    ``model.named_parameters()`` gives; the names then appear in error messages and in
    ``group["param_names"]``), or of dicts (parameter groups: ``{"params": [...], "lr": ...}``;
    a key a group leaves out takes the constructor's value). A frozen parameter
    (``requires_grad=False``) is accepted and, its ``.grad`` staying None, skipped, as in
    PyTorch. Subclasses define ``step()`` and ``_check_group()``.

    Hyper-parameters can also be read and set as attributes (``opt.lr = 0.01`` sets the
    learning rate of every group), which older tinygrad_ce code did.

    >>> from tinygrad_ce import Tensor
    >>> from tinygrad_ce.optim import SGD
    >>> w, b = Tensor([1.0], requires_grad=True), Tensor([0.0], requires_grad=True)
    >>> opt = SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    >>> [(len(g["params"]), g["lr"], g["momentum"]) for g in opt.param_groups]
    [(1, 0.1, 0.9), (1, 0.5, 0.9)]
    """

    #: the names a parameter's state may hold (``load_state_dict`` rejects others)
    _state_keys: frozenset[str] = frozenset()

    def __init__(self, params, defaults: dict):
        object.__setattr__(self, "defaults", dict(defaults))
        self.state = ParameterState()
        self.param_groups: list[dict] = []
        self._step_called = False  # read by lr_scheduler, to warn about a wrong call order
        if isinstance(params, Tensor):
            raise TypeError(
                "params must be an iterable of Tensors (e.g. model.parameters() or [w]), "
                "got a single Tensor"
            )
        if isinstance(params, Mapping):
            raise TypeError(
                "params must be an iterable of Tensors or of parameter groups (dicts); got a "
                "single dict: wrap it in a list"
            )
        if isinstance(params, set | frozenset):
            raise TypeError("params must be an ordered collection (a list), not a set")
        if not isinstance(params, Iterable):
            raise TypeError(f"params must be an iterable of Tensors, got {type(params).__name__}")
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        self._explicit_groups = isinstance(params[0], Mapping)
        groups = params if self._explicit_groups else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups

    def _where(self, group_index):
        return f" in param_groups[{group_index}]" if self._explicit_groups else ""

    def _label(self, group_index, index):
        """How errors name a parameter: ``params[i]`` or ``param_groups[g]['params'][i]``,
        with its name when the optimizer was given names."""
        group = self.param_groups[group_index] if group_index < len(self.param_groups) else {}
        text = (
            f"param_groups[{group_index}]['params'][{index}]"
            if self._explicit_groups
            else f"params[{index}]"
        )
        names = group.get("param_names")
        return f"{text} ({names[index]!r})" if names else text

    def add_param_group(self, param_group: Mapping) -> None:
        """Add a group (a dict with ``"params"`` and optional hyper-parameters) to
        ``param_groups``; missing hyper-parameters take the constructor's values. Raises
        ``ValueError`` for a parameter already in another group, a parameter listed twice or a
        bad hyper-parameter, ``TypeError`` for something that is not a leaf Tensor.

        >>> from tinygrad_ce import Tensor
        >>> from tinygrad_ce.optim import SGD
        >>> opt = SGD([Tensor([1.0], requires_grad=True)], lr=0.1)
        >>> opt.add_param_group({"params": [Tensor([2.0], requires_grad=True)], "lr": 0.01})
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.01]
        """
        if not isinstance(param_group, Mapping):
            raise TypeError(f"a parameter group must be a dict, got {type(param_group).__name__}")
        gi = len(self.param_groups)
        if "params" not in param_group:
            raise ValueError(f"parameter group {gi} has no 'params' entry")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set | frozenset):
            raise TypeError(
                "optimizer parameters must be an ordered collection (a list), not a set"
            )
        else:
            params = list(params)
        names = None
        if params and all(isinstance(p, tuple) and len(p) == 2 for p in params):
            names = [str(name) for name, _ in params]
            params = [p for _, p in params]
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        mine = set()
        where = f"param_groups[{gi}]['params']" if self._explicit_groups else "params"
        for i, p in enumerate(params):
            if isinstance(p, Mapping):
                raise TypeError(
                    f"{where}[{i}] is a dict: parameter groups must be given together, as a "
                    f"list of dicts"
                )
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors; {where}[{i}] is a {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(f"{where}[{i}] is not a leaf tensor (it was computed by an op)")
            if id(p) in mine:
                raise ValueError(f"{where}[{i}] appears more than once in the parameter list")
            if id(p) in seen:
                raise ValueError(f"{where}[{i}] appears in more than one parameter group")
            mine.add(id(p))
        for key, value in self.defaults.items():
            group.setdefault(key, copy.deepcopy(value))
        self._check_group(group, self._where(gi))
        group["params"] = params
        if names is not None:
            group["param_names"] = names
        self.param_groups.append(group)

    def _check_group(self, group: dict, where: str) -> None:
        """Validate (and normalise) a group's hyper-parameters in place; ``where`` names the
        group in messages. Subclasses override it."""

    # ------------------------------------------------------------------ attribute access

    def __getattr__(self, name):
        # Only reached when normal lookup fails: hyper-parameters as attributes (old style).
        defaults = self.__dict__.get("defaults", {})
        if name in defaults and "param_groups" in self.__dict__:
            values = [group[name] for group in self.__dict__["param_groups"]]
            if all(value == values[0] for value in values):
                return values[0]
            raise AttributeError(
                f"{name} differs between the parameter groups ({values}); read "
                f"optimizer.param_groups[i][{name!r}]"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name, value):
        if name in self.__dict__.get("defaults", {}) and "param_groups" in self.__dict__:
            for gi, group in enumerate(self.param_groups):  # check every group first
                self._check_group({**group, name: value}, self._where(gi))
            for group in self.param_groups:
                group[name] = value
                self._check_group(group, "")  # normalises the value (e.g. a float)
            return
        object.__setattr__(self, name, value)

    # ------------------------------------------------------------------ gradients

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set every parameter's ``.grad`` to ``None`` (default) or fill it with zeros in place.

        >>> from tinygrad_ce import Tensor
        >>> from tinygrad_ce.optim import SGD
        >>> w = Tensor([1.0], requires_grad=True)
        >>> (w * 3).sum().backward()
        >>> opt = SGD([w], lr=0.1)
        >>> opt.zero_grad()
        >>> w.grad is None
        True
        """
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.fill(0)

    def _gradients(self):
        """``[(group, [(p, grad), ...]), ...]`` for the parameters that have a ``.grad``, after
        checking every gradient against its parameter: nothing is updated if one is wrong."""
        self._step_called = True
        result = []
        for gi, group in enumerate(self.param_groups):
            pairs = []
            for i, p in enumerate(group["params"]):
                g = p.grad
                if g is None:
                    continue
                if not isinstance(g, np.ndarray | np.generic):
                    raise TypeError(
                        f"{self._label(gi, i)}: .grad must be a NumPy array, got {type(g).__name__}"
                    )
                if g.shape != p.shape:
                    raise ValueError(
                        f"{self._label(gi, i)}: .grad has shape {g.shape} but the parameter has "
                        f"shape {p.shape}"
                    )
                if g.dtype != p.dtype:
                    raise TypeError(
                        f"{self._label(gi, i)}: .grad has dtype {g.dtype} but the parameter has "
                        f"dtype {p.dtype}"
                    )
                pairs.append((p, g))
            result.append((group, pairs))
        return result

    def step(self, closure=None):
        """Update every parameter that has a gradient; ``closure`` (optional) re-evaluates the
        model and returns the loss, which ``step`` returns."""
        raise NotImplementedError(f"{type(self).__name__} must define step()")

    # ------------------------------------------------------------------ state dicts

    def state_dict(self) -> dict:
        """The optimizer's state as PyTorch lays it out, with copies of every array:
        ``{"state": {index: {name: value}}, "param_groups": [{..., "params": [index, ...]}]}``,
        parameters numbered across the groups in order.

        >>> import numpy as np
        >>> from tinygrad_ce import Tensor
        >>> from tinygrad_ce.optim import SGD
        >>> w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
        >>> opt = SGD([w], lr=0.1, momentum=0.9)
        >>> w.grad = np.array([0.5, 0.5])
        >>> opt.step()
        >>> state = opt.state_dict()
        >>> state["state"]
        {0: {'momentum_buffer': array([0.5, 0.5])}}
        >>> state["param_groups"][0]["params"], state["param_groups"][0]["lr"]
        ([0], 0.1)
        """
        index_of = {}
        groups = []
        for group in self.param_groups:
            packed = {key: copy.deepcopy(v) for key, v in group.items() if key != "params"}
            packed["params"] = []
            for p in group["params"]:
                index_of[id(p)] = len(index_of)
                packed["params"].append(index_of[id(p)])
            groups.append(packed)
        state = {
            index_of[id(p)]: {key: _copy_value(v) for key, v in values.items()}
            for p, values in self.state.items()
            if id(p) in index_of and values
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping) -> None:
        """Restore a state saved by ``state_dict()`` (the groups must hold as many parameters as
        when it was saved). Arrays are copied and cast to their parameter's dtype; the groups'
        hyper-parameters are replaced by the saved ones (their ``"params"`` are kept).

        Everything is checked first: a state array whose shape differs from its parameter's, an
        entry this optimizer does not keep, a group of another size or lacking a
        hyper-parameter raises ``ValueError`` naming it, and the optimizer is left unchanged.

        >>> import numpy as np
        >>> from tinygrad_ce import Tensor
        >>> from tinygrad_ce.optim import Adam
        >>> w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
        >>> opt = Adam([w], lr=0.1)
        >>> w.grad = np.array([1.0, -1.0])
        >>> opt.step()
        >>> fresh = Adam([w], lr=0.5)
        >>> fresh.load_state_dict(opt.state_dict())
        >>> fresh.state[w]["step"], fresh.param_groups[0]["lr"]
        (1, 0.1)
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict expects a dict, got {type(state_dict).__name__}")
        lacking = [key for key in ("state", "param_groups") if key not in state_dict]
        if lacking:
            raise ValueError(f"not an optimizer state dict: it has no {lacking} entries")
        saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"the loaded state dict has {len(saved_groups)} parameter groups, the optimizer "
                f"has {len(self.param_groups)}"
            )
        params_of, label_of, new_groups = {}, {}, []
        for gi, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            indices = list(saved.get("params", ()))
            if len(indices) != len(group["params"]):
                raise ValueError(
                    f"param_groups[{gi}] holds {len(indices)} parameters in the loaded state "
                    f"dict but {len(group['params'])} in the optimizer"
                )
            for i, (index, p) in enumerate(zip(indices, group["params"])):
                params_of[index] = p
                label_of[index] = self._label(gi, i)
            lacking = [key for key in self.defaults if key not in saved]
            if lacking:
                raise ValueError(
                    f"param_groups[{gi}] of the loaded state dict lacks the hyper-parameters "
                    f"{lacking} of {type(self).__name__}"
                )
            new = {key: copy.deepcopy(v) for key, v in saved.items() if key != "params"}
            self._check_group(new, f" in param_groups[{gi}] of the loaded state dict")
            new["params"] = group["params"]
            if "param_names" in group and "param_names" not in new:
                new["param_names"] = group["param_names"]
            new_groups.append(new)
        new_state = ParameterState()
        for index, values in saved_state.items():
            if index not in params_of:
                raise ValueError(
                    f"the loaded state dict has state for parameter {index!r}, which no "
                    f"parameter group lists"
                )
            p, label = params_of[index], label_of[index]
            new_state[p] = {
                key: self._loaded_value(key, value, p, label) for key, value in values.items()
            }
        self.param_groups = new_groups
        self.state = new_state

    def _loaded_value(self, key, value, p, label):
        """One entry of a parameter's saved state, checked and copied."""
        if key not in self._state_keys:
            raise ValueError(
                f"state of {label}: unexpected entry {key!r} ({type(self).__name__} keeps "
                f"{sorted(self._state_keys)})"
            )
        if value is None:
            return None
        if key == "step":
            step = np.asarray(value.data if isinstance(value, Tensor) else value)
            if step.shape != () or step.dtype.kind not in "iuf" or step < 0 or step != int(step):
                raise ValueError(f"state of {label}: 'step' must be an int >= 0, got {value!r}")
            return int(step)
        array = np.asarray(value.data if isinstance(value, Tensor) else value)
        if array.dtype.kind not in "biuf":
            raise ValueError(f"state of {label}: {key!r} has dtype {array.dtype}, not a number")
        if array.shape != p.shape:
            raise ValueError(
                f"state of {label}: {key!r} has shape {array.shape} but the parameter has shape "
                f"{p.shape}"
            )
        return array.astype(p.dtype, copy=True)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for gi, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {gi}")
            for key in sorted(group):
                if key not in ("params", "param_names"):
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)
