"""Random programs over tinygrad_ce's public Tensor API, for differential tests.

A ``Program`` is a straight-line list of steps over a growing list of values: each step reads
earlier values (so one value may feed several later steps: a DAG, not a tree) and appends one
new value. The same program can be run by three interpreters ("backends"): NumPy (forward only,
used while drawing a program to know every value's shape and range), tinygrad_ce, and PyTorch.
``repr(program)`` is a runnable tinygrad_ce script, so a failing example is its own reproducer.

The generator stays inside the ground where NumPy and PyTorch agree: positive slice steps, at most
one advanced index per subscript and no integer scalar beside it (NumPy and PyTorch place the
result's axes differently there), no ``axis=()`` on tensors with axes (NumPy reduces nothing,
PyTorch everything), floating values only (integer promotion differs), no reduction of ``mean``
or ``max`` over an empty extent, and values kept finite and moderate (``log`` only of positive
values, division only by values away from zero).

>>> program = Program()
>>> program.leaves = [np.array([1.0, 2.0])]
>>> program.steps = [Leaf(0), Unary("relu", Ref(0)), Binary("*", Ref(1), Ref(0))]
>>> program.upstream = np.array([0.5, -1.0])
>>> program.run(NUMPY, program.leaves)
array([1., 4.])
>>> print(program)
import numpy as np
from tinygrad_ce import Tensor
<BLANKLINE>
x0 = Tensor(np.array([1.0, 2.0]), requires_grad=True)
v1 = x0.relu()
v2 = v1 * x0
v2.backward(np.array([0.5, -1.0]))
print(v2, x0.grad)  # 2 ops
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

MAX_SIZE = 64  # elements of any value: keeps a program cheap to run, differentiate and gradcheck
MAX_ABS = 1e3  # |value| bound; a step that would exceed it becomes tanh of its first operand
MARGIN = 1e-3  # smooth programs keep relu inputs and max gaps this far from a kink
SCALARS = (2.0, -1.5, 0.5, 3, -2, 1.25)  # Python numbers as operands, ints among them
EXPONENTS = (2, 3, 0.5, -1, 1.5, -2.0, 0, 1, 2.0)
BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
BINARY.update({"**": operator.pow, "@": operator.matmul})


# --------------------------------------------------------------------------- operands


@dataclass(frozen=True)
class Ref:
    """An earlier value of the program (a leaf or a step's result)."""

    index: int


@dataclass(frozen=True)
class Scalar:
    """A Python number."""

    value: float


@dataclass(frozen=True, eq=False)
class Const:
    """A constant array, given as a NumPy array (``form='array'``) or a Tensor without grad."""

    array: np.ndarray
    form: str  # "array" or "tensor"


def _array_source(a):
    if a.size == 0:
        return f"np.zeros({a.shape})"
    if a.ndim == 0:
        return f"np.array({a.item()!r})"
    if a.dtype == np.bool_:
        return f"np.array({a.tolist()!r})"
    return f"np.array({a.tolist()!r})"


# --------------------------------------------------------------------------- steps
# Each step has ``run(api, values)`` (its result in the backend ``api``) and ``source(name)``
# (the tinygrad_ce expression, ``name(i)`` giving the variable of value i).


def _operand(api, values, x):
    if isinstance(x, Ref):
        return values[x.index]
    if isinstance(x, Scalar):
        return x.value
    return api.const(x.array, x.form)


def _operand_source(name, x):
    if isinstance(x, Ref):
        return name(x.index)
    if isinstance(x, Scalar):
        return repr(x.value)
    if x.form == "tensor":
        return f"Tensor({_array_source(x.array)})"
    return _array_source(x.array)


@dataclass(frozen=True)
class Leaf:
    """Introduce leaf number ``k`` (a float64 tensor that requires grad)."""

    k: int

    def run(self, api, values, leaves):
        return leaves[self.k]

    def source(self, name):
        return f"x{self.k}"


@dataclass(frozen=True)
class Binary:
    op: str
    left: object
    right: object

    def run(self, api, values, leaves):
        return api.binary(
            self.op, _operand(api, values, self.left), _operand(api, values, self.right)
        )

    def source(self, name):
        left, right = _operand_source(name, self.left), _operand_source(name, self.right)
        return f"{left} {self.op} {right}"


@dataclass(frozen=True)
class Unary:
    name: str  # neg, exp, log, relu, tanh, sigmoid
    x: Ref

    def run(self, api, values, leaves):
        return api.unary(self.name, values[self.x.index])

    def source(self, name):
        if self.name == "neg":
            return f"-{name(self.x.index)}"
        return f"{name(self.x.index)}.{self.name}()"


@dataclass(frozen=True)
class Reduce:
    kind: str  # sum, mean, max
    x: Ref
    axis: object  # None, an int, a tuple or a list of ints
    keepdims: bool

    def run(self, api, values, leaves):
        return api.reduce(self.kind, values[self.x.index], self.axis, self.keepdims)

    def source(self, name):
        return f"{name(self.x.index)}.{self.kind}(axis={self.axis!r}, keepdims={self.keepdims})"


@dataclass(frozen=True)
class Reshape:
    x: Ref
    shape: tuple
    spread: bool  # reshape(2, 3) rather than reshape((2, 3))

    def run(self, api, values, leaves):
        return api.reshape(values[self.x.index], self.shape, self.spread)

    def source(self, name):
        args = ", ".join(map(str, self.shape)) if self.spread else repr(self.shape)
        return f"{name(self.x.index)}.reshape({args})"


@dataclass(frozen=True)
class Transpose:
    x: Ref
    axes: tuple | None  # None: all axes reversed
    form: str  # "swap" transpose(0, 1), "spread" transpose(2, 0, 1), "tuple" ((1, 0)), "T"

    def run(self, api, values, leaves):
        return api.transpose(values[self.x.index], self.axes, self.form)

    def source(self, name):
        x = name(self.x.index)
        if self.form == "T":
            return f"{x}.T"
        if self.axes is None:
            return f"{x}.transpose()"
        if self.form == "tuple":
            return f"{x}.transpose({self.axes!r})"
        return f"{x}.transpose({', '.join(map(str, self.axes))})"


def _swap_permutation(ndim, axes):
    """The permutation that swaps the two axes of ``transpose(d0, d1)``."""
    permutation = list(range(ndim))
    if ndim:
        d0, d1 = (a % ndim for a in axes)
        permutation[d0], permutation[d1] = d1, d0
    return tuple(permutation)


# Index components: ("slice", start, stop, step), ("int", i), ("none",), ("ellipsis",),
# ("array", ndarray of ints, form), ("mask", ndarray of bools, form); form is how tinygrad_ce
# gets it: "list", "array" or "tensor".


def _component_source(c):
    kind = c[0]
    if kind == "slice":
        start, stop, step = ("" if v is None else str(v) for v in c[1:])
        return f"{start}:{stop}" + (f":{step}" if step else "")
    if kind == "int":
        return str(c[1])
    if kind == "none":
        return "None"
    if kind == "ellipsis":
        return "..."
    if c[2] == "list":
        return repr(c[1].tolist())
    text = f"np.array({c[1].tolist()!r}, dtype={'bool' if kind == 'mask' else 'np.int64'})"
    return f"Tensor({text})" if c[2] == "tensor" else text


@dataclass(frozen=True)
class Index:
    x: Ref
    components: tuple
    bare: bool  # x[c] rather than x[(c,)] (only with one component)

    def run(self, api, values, leaves):
        return api.index(values[self.x.index], self.components, self.bare)

    def source(self, name):
        parts = [_component_source(c) for c in self.components]
        if self.bare:
            inside = parts[0]
        elif not parts:
            inside = "()"
        elif len(parts) == 1:
            inside = f"({parts[0]},)"
        else:
            inside = ", ".join(parts)
        return f"{name(self.x.index)}[{inside}]"


# --------------------------------------------------------------------------- backends


def _slice_or_scalar(c, array_of, mask_of):
    kind = c[0]
    if kind == "slice":
        return slice(*c[1:])
    if kind == "int":
        return c[1]
    if kind == "none":
        return None
    if kind == "ellipsis":
        return Ellipsis
    return array_of(c) if kind == "array" else mask_of(c)


class NumpyAPI:
    """Forward values by NumPy, the reference for shapes while drawing a program."""

    @staticmethod
    def const(array, form):
        return array

    @staticmethod
    def binary(op, a, b):
        return np.asarray(BINARY[op](np.asarray(a), np.asarray(b)), dtype=np.float64)

    @staticmethod
    def unary(name, x):
        with np.errstate(all="ignore"):
            if name == "neg":
                return -x
            if name == "relu":
                return np.maximum(x, 0.0)
            if name == "sigmoid":
                return 1 / (1 + np.exp(-x))
            return getattr(np, name)(x)

    @staticmethod
    def reduce(kind, x, axis, keepdims):
        axis = tuple(axis) if isinstance(axis, list) else axis
        if x.ndim == 0 and axis is not None:
            axis = None  # 0-d: axis 0, -1, (0,) or () all mean the one element
        reduce = {"sum": np.sum, "mean": np.mean, "max": np.max}[kind]
        return np.asarray(reduce(x, axis=axis, keepdims=keepdims and x.ndim > 0))

    @staticmethod
    def reshape(x, shape, spread):
        return x.reshape(shape)

    @staticmethod
    def transpose(x, axes, form):
        return np.transpose(x, _swap_permutation(x.ndim, axes) if form == "swap" else axes)

    @staticmethod
    def index(x, components, bare):
        parts = tuple(
            _slice_or_scalar(c, lambda c: c[1].astype(np.intp), lambda c: c[1]) for c in components
        )
        return np.asarray(x[parts[0] if bare else parts])


class OursAPI:
    """tinygrad_ce, called the way a user would."""

    @staticmethod
    def const(array, form):
        from tinygrad_ce import Tensor

        return Tensor(array) if form == "tensor" else array  # used as it is, read-only

    @staticmethod
    def binary(op, a, b):
        return BINARY[op](a, b)

    @staticmethod
    def unary(name, x):
        return -x if name == "neg" else getattr(x, name)()

    @staticmethod
    def reduce(kind, x, axis, keepdims):
        return getattr(x, kind)(axis=axis, keepdims=keepdims)

    @staticmethod
    def reshape(x, shape, spread):
        return x.reshape(*shape) if spread else x.reshape(shape)

    @staticmethod
    def transpose(x, axes, form):
        if form == "T":
            return x.T
        if axes is None:
            return x.transpose()
        return x.transpose(*axes) if form in ("spread", "swap") else x.transpose(axes)

    @staticmethod
    def index(x, components, bare):
        from tinygrad_ce import Tensor

        def array_of(c):
            if c[2] == "list":
                return c[1].tolist()
            return Tensor(c[1]) if c[2] == "tensor" else c[1]

        def mask_of(c):
            return Tensor(c[1]) if c[2] == "tensor" else c[1]

        parts = tuple(_slice_or_scalar(c, array_of, mask_of) for c in components)
        return x[parts[0] if bare else parts]


class TorchAPI:
    """PyTorch (float64), the reference; imported only when used."""

    @staticmethod
    def const(array, form):
        import torch

        return torch.tensor(array)

    @staticmethod
    def binary(op, a, b):
        return BINARY[op](a, b)

    @staticmethod
    def unary(name, x):
        return -x if name == "neg" else getattr(x, name)()

    @staticmethod
    def reduce(kind, x, axis, keepdims):
        import torch

        if axis is None:
            axis = tuple(range(x.ndim))  # every axis, so that keepdim keeps them all
        if kind == "max":
            return torch.amax(x, dim=axis, keepdim=keepdims)
        return getattr(x, kind)(dim=axis, keepdim=keepdims)

    @staticmethod
    def reshape(x, shape, spread):
        return x.reshape(shape)

    @staticmethod
    def transpose(x, axes, form):
        if form == "swap":
            return x.transpose(*axes)
        if axes is None:
            axes = tuple(reversed(range(x.ndim)))
        return x.permute(axes)

    @staticmethod
    def index(x, components, bare):
        import torch

        parts = tuple(
            _slice_or_scalar(
                c,
                lambda c: torch.tensor(c[1], dtype=torch.long),
                lambda c: torch.tensor(c[1], dtype=torch.bool),
            )
            for c in components
        )
        return x[parts[0] if bare else parts]


NUMPY, OURS, TORCH = NumpyAPI(), OursAPI(), TorchAPI()


# --------------------------------------------------------------------------- programs


class Program:
    """Leaves (float64 arrays), steps, and the upstream gradient for the last step's value.

    ``retained`` lists the steps whose tensors call ``retain_grad()`` when ``run`` is asked to.
    Not a dataclass: hypothesis prints dataclasses field by field, and ``repr`` here is a script.
    """

    def __init__(self):
        self.leaves, self.steps, self.upstream, self.op_count = [], [], None, 0
        self.retained = ()

    def arrays(self):
        """Every array the program holds: leaves, constants, index arrays, the upstream gradient."""
        yield from self.leaves
        for step in self.steps:
            for part in vars(step).values():
                if isinstance(part, Const):
                    yield part.array
            for c in getattr(step, "components", ()):
                if c[0] in ("array", "mask"):
                    yield c[1]
        if self.upstream is not None:
            yield self.upstream

    def values(self, api, leaves):
        """Every step's value, in order (the last is the output)."""
        values = []
        for step in self.steps:
            values.append(step.run(api, values, leaves))
        return values

    def run(self, api, leaves, retain=False):
        """The output (the last step's value), with ``leaves`` as the backend's leaf tensors.

        With ``retain``, the steps in ``retained`` call ``retain_grad()``, and the result is the
        pair (output, {step: tensor}) so that their ``.grad`` can be read after backward.
        """
        values = self.values(api, leaves)
        if not retain:
            return values[-1]
        for i in self.retained:
            values[i].retain_grad()
        return values[-1], {i: values[i] for i in self.retained}

    def __repr__(self):
        lines = ["import numpy as np", "from tinygrad_ce import Tensor", ""]
        for k, a in enumerate(self.leaves):
            lines.append(f"x{k} = Tensor({_array_source(a)}, requires_grad=True)")
        names = {}
        for i, step in enumerate(self.steps):
            if isinstance(step, Leaf):
                names[i] = f"x{step.k}"
            else:
                names[i] = f"v{i}"
                lines.append(f"v{i} = {step.source(names.__getitem__)}")
                if i in self.retained:
                    lines.append(f"v{i}.retain_grad()")
        out = names[len(self.steps) - 1]
        lines.append(f"{out}.backward({_array_source(self.upstream)})")
        grads = ", ".join(f"x{k}.grad" for k in range(len(self.leaves)))
        ops = sum(not isinstance(step, Leaf) for step in self.steps)
        lines.append(f"print({out}, {grads})  # {ops} ops")
        return "\n".join(lines)


def _broadcast(*shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


def _fits(value):
    return value.size <= MAX_SIZE and bool(np.all(np.abs(value) <= MAX_ABS))


class _Builder:
    """Draws one program step by step, running each step in NumPy as it goes."""

    def __init__(self, draw, rng, smooth):
        self.draw, self.rng, self.smooth = draw, rng, smooth
        self.program = Program()
        self.values = []  # NumPy value of every step
        self.uses = []  # how many steps read each value

    # ---------------------------------------------------------------- helpers

    def integer(self, lo, hi):
        return self.draw(st.integers(lo, hi))

    def choice(self, options):
        return self.draw(st.sampled_from(options))

    def coin(self, p_percent=50):
        return self.integer(0, 99) < p_percent

    def array(self, shape, kind="normal"):
        if kind == "away":  # |a| in [0.5, 2]: safe to divide by
            a = self.rng.uniform(0.5, 2.0, shape) * self.rng.choice([-1.0, 1.0], shape)
        elif kind == "positive":
            a = self.rng.uniform(0.5, 2.0, shape)
        elif kind == "ties" and not self.smooth:  # small integers: ties in max, zeros in relu
            a = self.rng.integers(-2, 3, shape)
        else:
            a = self.rng.standard_normal(shape)
        return np.array(a, dtype=np.float64)  # an array even for shape () (rng gives a float)

    def push(self, step, value, is_op=True):
        value = np.asarray(value, dtype=np.float64)
        for x in _refs(step):
            self.uses[x.index] += 1
        self.program.steps.append(step)
        self.values.append(value)
        self.uses.append(0)
        self.program.op_count += is_op
        return Ref(len(self.values) - 1)

    def run(self, step):
        return step.run(NUMPY, self.values, self.program.leaves)

    def emit(self, step, fallback):
        """Add ``step``, or tanh(fallback) when its value would be too large or not finite."""
        with np.errstate(all="ignore"):
            value = self.run(step)
        if not _fits(np.asarray(value)):
            step = Unary("tanh", fallback)
            value = self.run(step)
        return self.push(step, value)

    def shape(self, max_ndim=3):
        ndim = self.integer(0, max_ndim)
        shape = [self.choice((2, 3, 1, 4)) for _ in range(ndim)]
        if ndim and self.integer(0, 9) == 0:
            shape[self.integer(0, ndim - 1)] = 0
        return tuple(shape)

    def new_leaf(self, shape):
        kind = "ties" if self.coin(20) else "normal"
        self.program.leaves.append(self.array(shape, kind))
        return self.push(Leaf(len(self.program.leaves) - 1), self.program.leaves[-1], False)

    def pick(self, where=lambda v: True):
        """An earlier value (a Ref) satisfying ``where``, preferring ones already used once."""
        candidates = [i for i, v in enumerate(self.values) if where(v)]
        if not candidates:
            return None
        roll = self.integer(0, 9)
        reused = [i for i in candidates if 1 <= self.uses[i] < 4]
        unused = [i for i in candidates if self.uses[i] == 0]
        if reused and roll < 4:
            candidates = reused
        elif unused and roll < 8:  # consume dangling values, so that most reach the output
            candidates = unused
        return Ref(candidates[self.integer(0, len(candidates) - 1)])

    def value(self, ref):
        return self.values[ref.index]

    def operand_of_shape(self, shape, kind="normal"):
        """A value of exactly ``shape``: an earlier one, a new leaf, or a constant."""
        mode = self.choice(("ref", "leaf", "array", "tensor"))
        if mode == "ref" and kind == "normal":
            found = self.pick(lambda v: v.shape == shape)
            if found is not None:
                return found
            mode = "leaf"
        if mode == "leaf" and kind == "normal":
            return self.new_leaf(shape)
        return Const(self.array(shape, kind), "tensor" if mode == "tensor" else "array")

    def broadcast_partner_shape(self, shape):
        """A shape that broadcasts with ``shape`` (same, suffix, ones, extra or stretched axes)."""
        mode = self.choice(("same", "scalar", "suffix", "ones", "extend", "stretch"))
        if mode == "scalar":
            return ()
        if mode == "suffix" and shape:
            return shape[self.integer(1, len(shape)) :]
        if mode == "ones":
            return tuple(1 if self.coin() else n for n in shape)
        if mode == "extend" and len(shape) < 4:
            return (self.choice((2, 1, 3)), *shape)
        if mode == "stretch" and 1 in shape:
            return tuple(self.choice((2, 3)) if n == 1 and self.coin() else n for n in shape)
        return shape

    def positive(self, ref, low):
        """``ref`` itself when all its values are >= ``low``, else ``ref * ref + 0.5`` (2 ops)."""
        if np.all(self.value(ref) >= low):
            return ref
        square = self.push(Binary("*", ref, ref), self.value(ref) ** 2)
        return self.emit(Binary("+", square, Scalar(0.5)), square)

    # ---------------------------------------------------------------- ops

    def binary(self):
        op = self.choice(("+", "-", "*", "/", "+", "*"))
        x = self.pick()
        shape = self.value(x).shape
        mode = self.choice(("self", "ref", "scalar", "const", "const", "ref"))
        if mode == "self":
            other = x
        elif mode == "scalar":
            other = Scalar(self.choice(SCALARS))
        else:
            partner = self.broadcast_partner_shape(shape)
            out = _broadcast(shape, partner)
            if out is None or np.prod(out) > MAX_SIZE:
                partner = shape
            found = None
            if mode == "ref":
                found = self.pick(
                    lambda v: (
                        (s := _broadcast(shape, v.shape)) is not None and np.prod(s) <= MAX_SIZE
                    )
                )
            other = found if found is not None else self.operand_of_shape(partner)
        left, right = (other, x) if self.coin() else (x, other)
        if op == "/":
            right = self.safe_denominator(right)
        return self.emit(Binary(op, left, right), x)

    def safe_denominator(self, d):
        if isinstance(d, Scalar):
            return d
        if isinstance(d, Const):
            return Const(self.array(d.array.shape, "away"), d.form)
        if np.all(np.abs(self.value(d)) >= 0.1):
            return d
        return self.positive(d, 0.1)

    def unary(self):
        name = self.choice(("neg", "exp", "log", "relu", "tanh", "sigmoid"))
        x = self.pick()
        v = self.value(x)
        if name == "exp" and np.any(v > 5):
            name = "tanh"
        if name == "log":
            x = self.positive(x, 0.05)
        if name == "relu" and self.smooth and np.any(np.abs(v) < MARGIN):
            name = "sigmoid"
        return self.emit(Unary(name, x), x)

    def power(self):
        x = self.pick()
        v = self.value(x)
        mode = self.choice(("exponent", "exponent", "base", "both"))
        if mode == "exponent":
            p = self.choice(EXPONENTS)
            if p != int(p):
                x = self.positive(x, 0.05)
            elif p < 0:
                x = self.safe_denominator(x)
            return self.emit(Binary("**", x, Scalar(p)), x)
        if np.any(v > 5):
            x = self.emit(Unary("tanh", x), x)
        if mode == "base":  # a number or a positive array to the power of a tensor
            base = Scalar(self.choice((2.0, 0.5, 3)))
            if self.coin(30):
                base = Const(self.array(self.broadcast_partner_shape(v.shape), "positive"), "array")
                if _broadcast(v.shape, base.array.shape) is None:
                    base = Scalar(2.0)
            return self.emit(Binary("**", base, x), x)
        base = self.pick(lambda w: _broadcast(w.shape, v.shape) is not None)
        base = self.positive(base, 0.05)
        return self.emit(Binary("**", base, x), x)

    def matmul(self):
        x = self.pick(lambda v: v.ndim >= 1)
        if x is None:
            x = self.new_leaf((self.choice((2, 3, 1, 0)),))
        shape = self.value(x).shape
        size = self.choice((2, 3, 1, 2, 3, 0))
        on_left = self.coin()
        if on_left:  # x @ other: other's contracted axis is x's last
            k = shape[-1]
            forms = [(k,), (k, size)]
            if len(shape) <= 2:
                forms.append((self.choice((2, 1)), k, size))
            else:
                forms.append((*self.broadcast_batch(shape[:-2]), k, size))
        else:  # other @ x: other's last axis is x's first contracted axis
            k = shape[0] if len(shape) == 1 else shape[-2]
            forms = [(k,), (size, k)]
            if len(shape) <= 2:
                forms.append((self.choice((2, 1)), size, k))
            else:
                forms.append((*self.broadcast_batch(shape[:-2]), size, k))
        other = self.operand_of_shape(forms[self.integer(0, len(forms) - 1)])
        left, right = (x, other) if on_left else (other, x)
        out = np.matmul(*(self.value(o) if isinstance(o, Ref) else o.array for o in (left, right)))
        if np.size(out) > MAX_SIZE:
            return self.emit(Unary("tanh", x), x)
        return self.emit(Binary("@", left, right), x)

    def broadcast_batch(self, batch):
        shape = self.broadcast_partner_shape(batch)
        return shape if len(shape) + 2 <= 4 else batch

    def reduce(self):
        kind = self.choice(("sum", "mean", "max", "sum"))
        x = self.pick()
        v = self.value(x)
        axis = self.axis_argument(v.ndim)
        keepdims = self.coin()
        axes = _normalized_axes(axis, v.ndim)
        reduced = int(np.prod([v.shape[a] for a in axes]))
        if kind in ("mean", "max") and reduced == 0:
            kind = "sum"  # NaN, or an error, in both frameworks: not interesting here
        if kind == "max" and self.smooth and not _clear_maximum(v, axes):
            kind = "sum"
        return self.emit(Reduce(kind, x, axis, keepdims), x)

    def axis_argument(self, ndim):
        if ndim == 0:
            return self.choice((None, 0, -1, (0,), (-1,), [0], (), []))
        mode = self.choice(("none", "int", "negative", "tuple", "list"))
        if mode == "none":
            return None
        if mode in ("int", "negative"):
            a = self.integer(0, ndim - 1)
            return a - ndim if mode == "negative" else a
        count = self.integer(1, ndim)
        axes = self.draw(st.permutations(range(ndim)))[:count]
        axes = [a - ndim if self.coin() else a for a in axes]
        return tuple(axes) if mode == "tuple" else axes

    def reshape(self):
        x = self.pick()
        v = self.value(x)
        shape = self.factor_shape(v.size)
        if v.size and shape and self.coin(30):
            shape = list(shape)
            shape[self.integer(0, len(shape) - 1)] = -1
            shape = tuple(shape)
        return self.emit(Reshape(x, shape, self.coin()), x)

    def factor_shape(self, size):
        ndim = self.integer(0, 4)
        if size == 0:
            ndim = max(ndim, 1)
            shape = [self.choice((2, 1, 3)) for _ in range(ndim)]
            shape[self.integer(0, ndim - 1)] = 0
            return tuple(shape)
        if ndim == 0 and size != 1:
            ndim = 1
        shape = [1] * ndim
        factors = [p for p in (2, 3, 5, 7) for _ in range(_multiplicity(size, p))]
        rest = size // int(np.prod(factors)) if factors else size
        factors += [rest] if rest > 1 else []
        for f in factors:
            shape[self.integer(0, ndim - 1)] *= f
        return tuple(shape)

    def transpose(self):
        x = self.pick()
        ndim = self.value(x).ndim
        form = self.choice(("spread", "tuple", "T", "swap"))
        if form == "swap":  # PyTorch's transpose(dim0, dim1), any two axes, equal ones too
            span = max(ndim, 1)
            axes = (self.integer(-span, span - 1), self.integer(-span, span - 1))
        elif form == "T" or (ndim == 0 and self.coin()):
            axes = None
        else:
            axes = self.draw(st.permutations(range(ndim)))
            axes = tuple(a - ndim if self.coin() else a for a in axes)
            if not axes:
                form = "tuple"  # transpose(()) on a 0-d tensor; transpose() is axes=None
            elif len(axes) == 2 and form == "spread":
                form = "swap"  # two separate axes are PyTorch's swap, not a permutation
        return self.emit(Transpose(x, axes, form), x)

    def index(self, x=None):
        x = self.pick() if x is None else x
        shape = self.value(x).shape
        components = self.index_components(shape)
        bare = len(components) == 1 and self.coin()
        ref = self.emit(Index(x, tuple(components), bare), x)
        if self.coin(30) and self.program.op_count < self.budget:
            return self.index(ref)  # a chain of indexing
        return ref

    def index_components(self, shape):
        ndim = len(shape)
        count = self.integer(0, ndim)
        ellipsis = self.choice(("no", "no", "before", "after"))
        dims = list(range(ndim - count, ndim)) if ellipsis == "before" else list(range(count))
        parts, advanced, scalar = [], False, False
        i = 0
        while i < len(dims):
            n = shape[dims[i]]
            kinds = ["slice", "full"]
            if not advanced and not scalar:  # one advanced index, and no int beside it
                kinds += ["array", "array", "mask"]
            if n and not advanced:
                kinds += ["int"]
            kind = self.choice(tuple(kinds))
            if kind == "full":
                parts.append(("slice", None, None, None))
            elif kind == "slice":
                start = self.choice((None, 1, -2, 0, -1, n + 1))
                stop = self.choice((None, -1, 2, n, 1, 0, n + 2))
                parts.append(("slice", start, stop, self.choice((None, 1, 2, 3))))
            elif kind == "int":
                parts.append(("int", self.integer(-n, n - 1)))
                scalar = True
            elif kind == "array":
                parts.append(self.index_array(n))
                advanced = True
            else:  # a mask over this axis and maybe the next ones
                span = self.integer(1, len(dims) - i)
                mask_shape = tuple(shape[d] for d in dims[i : i + span])
                mask = self.rng.random(mask_shape) < 0.5
                parts.append(("mask", mask, self.choice(("array", "tensor"))))
                advanced = True
                i += span - 1
            i += 1
        if ellipsis == "before":
            parts.insert(0, ("ellipsis",))
        elif ellipsis == "after":
            parts.append(("ellipsis",))
        for _ in range(self.integer(0, 2) if self.coin(30) else 0):
            parts.insert(self.integer(0, len(parts)), ("none",))
        return parts

    def index_array(self, n):
        """Integer indices into an axis of length n: repeats, negatives, or none at all."""
        length = 0 if n == 0 else self.choice((3, 1, 2, 4, 0))
        indices = self.rng.integers(-n, max(n, 1), length) if n else np.zeros(0, np.int64)
        if length > 1 and self.coin(25):
            indices[-1] = indices[0] - n * (indices[0] >= 0)  # a repeat, written negatively
        form = self.choice(("list", "array", "tensor"))
        if form != "list" and length == 4 and self.coin(30):
            indices = indices.reshape(2, 2)  # a 2-d index array
        return ("array", indices.astype(np.int64), form)

    def fold_dangling(self):
        """out + d.mean() for values d that nothing reads, while the program stays <= 20 ops."""
        out = Ref(len(self.values) - 1)
        dangling = [
            Ref(i)
            for i, step in enumerate(self.program.steps[:-1])
            if self.uses[i] == 0 and not isinstance(step, Leaf)
        ]
        for d in reversed(dangling):
            if self.program.op_count + 2 > 20:
                break
            kind = "mean" if self.value(d).size else "sum"  # a mean stays within MAX_ABS
            total = self.emit(Reduce(kind, d, None, False), d)
            pair = (out, total) if self.coin() else (total, out)
            out = self.emit(Binary("+", *pair), out)

    # ---------------------------------------------------------------- the program

    def build(self):
        # One draw adds up to 3 ops (log of x * x + 0.5): stop drawing at 18 to stay within 20.
        self.budget = self.integer(1, 18)
        for _ in range(self.integer(1, 3)):
            self.new_leaf(self.shape())
        ops = (self.binary,) * 4 + (self.unary,) * 2
        ops += (self.power, self.matmul, self.reduce, self.reduce, self.reshape)
        ops += (self.transpose, self.index, self.index)
        while self.program.op_count < self.budget:
            if self.coin(10):
                self.new_leaf(self.shape())
            ops[self.integer(0, len(ops) - 1)]()
        self.fold_dangling()
        steps = [i for i, step in enumerate(self.program.steps) if not isinstance(step, Leaf)]
        self.program.retained = tuple(
            sorted(self.draw(st.sets(st.sampled_from(steps), max_size=3)))
        )
        self.program.upstream = self.array(self.values[-1].shape)
        for array in self.program.arrays():  # a backend that writes into an input fails loudly
            array.flags.writeable = False
        return self.program


def _refs(step):
    return [
        v for v in vars(step).values() if isinstance(v, Ref)
    ]  # operands that are earlier values


def _normalized_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % ndim for a in axes) if ndim else ()


def _clear_maximum(v, axes):
    """Whether every slice's maximum leads the runner-up by MARGIN (finite differences valid)."""
    if v.size == 0 or v.ndim == 0:
        return True
    moved = np.moveaxis(v, axes, tuple(range(len(axes))))
    flat = moved.reshape(int(np.prod([v.shape[a] for a in axes])), -1)
    if flat.shape[0] < 2:
        return True
    top2 = -np.sort(-flat, axis=0)[:2]
    return bool(np.all(top2[0] - top2[1] >= MARGIN))


def _multiplicity(n, p):
    count = 0
    while n % p == 0:
        n //= p
        count += 1
    return count


def features(program):
    """The corners ``program`` exercises, as names (the generator's coverage test reads them)."""
    found, values, uses = set(), [], {}
    for step in program.steps:
        for ref in _refs(step):
            uses[ref.index] = uses.get(ref.index, 0) + 1
        values.append(step.run(NUMPY, values, program.leaves))
        v = values[-1]
        found |= {"0-d value"} if v.ndim == 0 else set()
        found |= {"size-0 value"} if v.size == 0 else set()
        found |= {"size-1 axis"} if 1 in v.shape else set()
        found |= _step_features(step, program.steps, values)
    for i, count in uses.items():
        kind = "leaf" if isinstance(program.steps[i], Leaf) else "node"
        found |= {f"{kind} read {n} times" for n in range(2, min(count, 4) + 1)}
    return found


def _step_features(step, steps, values):
    if isinstance(step, Binary):
        sides = {"left": step.left, "right": step.right}
        found = {f"{side} {type(x).__name__} {getattr(x, 'form', '')}" for side, x in sides.items()}
        shapes = {np.shape(values[x.index]) for x in sides.values() if isinstance(x, Ref)}
        if step.op == "@":
            a, b = (
                values[x.index].ndim if isinstance(x, Ref) else x.array.ndim for x in sides.values()
            )
            return found | {"matmul batched" if max(a, b) > 2 else f"matmul {a}-d @ {b}-d"}
        if step.left == step.right:
            found.add("x op x")
        if len(shapes | {values[-1].shape}) > 1:
            found.add("broadcast")
        return found | {step.op}
    if isinstance(step, Unary):
        return {step.name}
    if isinstance(step, Reduce):
        axis = step.axis
        found = {step.kind, f"axis {type(axis).__name__}", f"keepdims {step.keepdims}"}
        axes = [axis] if isinstance(axis, int) else list(axis or ())
        return found | ({"negative axis"} if any(a < 0 for a in axes) else set())
    if isinstance(step, Reshape):
        return {"reshape", "reshape -1"} if -1 in step.shape else {"reshape"}
    if isinstance(step, Transpose):
        found = {"transpose", f"transpose {step.form}"}
        return found | ({"negative axis"} if any(a < 0 for a in step.axes or ()) else set())
    if isinstance(step, Index):
        found = {"index"} | {f"index {c[0]}" for c in step.components}
        if isinstance(steps[step.x.index], Index):
            found.add("index chain")
        for c in step.components:
            if c[0] == "array" and c[1].size == 0:
                found.add("index []")
            elif c[0] == "array" and len(np.unique(c[1])) < c[1].size:
                found.add("index repeats")
        return found
    return set()


@st.composite
def programs(draw, smooth=False):
    """Random programs of 1 to 20 ops; ``smooth`` keeps away from kinks (for finite differences)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return _Builder(draw, rng, smooth).build()
