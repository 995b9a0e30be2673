"""Per-thread switches of the engine: grad mode (``no_grad`` turns recording off,
``enable_grad`` on again, ``set_grad_enabled(mode)`` either way) and the
observers a backward walk tells about each node it runs (``observe_backward``, for ``viz``)."""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading

import numpy as np

__all__ = ["enable_grad", "is_grad_enabled", "no_grad", "observe_backward", "set_grad_enabled"]


class _ThreadState(threading.local):
    """Per-thread switches: ``no_grad`` in one thread must not stop recording in another."""

    def __init__(self):
        self.grad_enabled = True
        self.saved = []  # grad_enabled values to restore, one per open no_grad block
        self.observers = []  # callables told about each node a backward walk runs (viz.trace)


_state = _ThreadState()


def is_grad_enabled() -> bool:
    """Whether ops record a graph in the current thread.

    >>> is_grad_enabled()
    True
    >>> with no_grad():
    ...     is_grad_enabled()
    False
    """
    return _state.grad_enabled


class _GradMode:
    """A context manager and decorator (with or without parentheses, generators too) that runs
    its block with grad mode ``_enabled``, in this thread only, and restores it after."""

    _enabled = False

    def __new__(cls, func=None):
        self = super().__new__(cls)
        return self if func is None else self(func)  # bare @no_grad: decorate at once

    def __enter__(self):
        _state.saved.append(_state.grad_enabled)
        _state.grad_enabled = self._enabled
        return self

    def __exit__(self, *exc_info):
        _state.grad_enabled = _state.saved.pop()
        return False

    def _fresh(self):
        """A new context with the same mode, one per call of a decorated function."""
        return type(self)()

    def __call__(self, func):
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator_in_mode(*args, **kwargs):
                generator = func(*args, **kwargs)
                resume, value = generator.send, None
                while True:
                    try:
                        with self._fresh():
                            request = resume(value)
                    except StopIteration as stop:
                        return stop.value
                    try:
                        value, resume = (yield request), generator.send
                    except GeneratorExit:
                        generator.close()
                        raise
                    except BaseException as error:  # thrown in: pass it on, still in the mode
                        value, resume = error, generator.throw

            return generator_in_mode

        @functools.wraps(func)
        def in_mode(*args, **kwargs):
            with self._fresh():
                return func(*args, **kwargs)

        return in_mode


class no_grad(_GradMode):
    """Context manager and decorator (with or without parentheses, generators too): ops inside
    record no graph, in this thread only.

    >>> from tinygrad_ce import Tensor
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> with no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    _enabled = False


class enable_grad(_GradMode):
    """Context manager and decorator, as PyTorch's: ops inside record a graph again, also
    inside ``no_grad`` (in this thread only).

    >>> from tinygrad_ce import Tensor
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> with no_grad():
    ...     with enable_grad():
    ...         y = w * 2
    ...     z = w * 2
    >>> y.requires_grad, z.requires_grad
    (True, False)
    """

    _enabled = True


class set_grad_enabled(_GradMode):
    """Turn recording on or off in this thread, as PyTorch's: called as a function it switches
    at once (and stays switched); as a context manager or decorator it restores the previous
    mode after its block.

    >>> from tinygrad_ce import Tensor
    >>> w = Tensor([1.0], requires_grad=True)
    >>> with set_grad_enabled(False):
    ...     (w * 2).requires_grad
    False
    >>> _ = set_grad_enabled(False)
    >>> is_grad_enabled()
    False
    >>> _ = set_grad_enabled(True)
    >>> (w * 2).requires_grad
    True
    """

    def __new__(cls, mode):
        return object.__new__(cls)

    def __init__(self, mode):
        if not isinstance(mode, bool | np.bool_):
            raise TypeError(f"set_grad_enabled takes True or False, got {mode!r}")
        self._enabled = bool(mode)
        self._previous = _state.grad_enabled
        _state.grad_enabled = self._enabled  # at once: the function form needs no ``with``

    def __enter__(self):
        _state.grad_enabled = self._enabled  # __init__ switched already; entered later, again
        return self

    def __exit__(self, *exc_info):
        _state.grad_enabled = self._previous
        return False

    def _fresh(self):
        return set_grad_enabled(self._enabled)

    def __call__(self, func):
        _state.grad_enabled = self._previous  # as a decorator it switches only inside func
        return super().__call__(func)


@contextlib.contextmanager
def observe_backward(callback):
    """Inside it, each backward walk in this thread calls ``callback(node, grad, input_grads)``
    after running a node: copies of its gradient and of what it passes to each input (or None).

    >>> from tinygrad_ce import Tensor
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> seen = []
    >>> with observe_backward(lambda node, g, gs: seen.append(node.name)):
    ...     (x * x).sum().backward()
    >>> seen
    ['Sum', 'Mul']
    """
    _state.observers.append(callback)
    try:
        yield callback
    finally:
        _state.observers.remove(callback)
