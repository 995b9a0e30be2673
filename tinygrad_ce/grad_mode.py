"""Per-thread switches of the engine: grad mode (``no_grad`` turns recording off) and the
observers a backward walk tells about each node it runs (``observe_backward``, for ``viz``)."""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading

__all__ = ["is_grad_enabled", "no_grad", "observe_backward"]


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


class no_grad:
    """Context manager and decorator (with or without parentheses, generators too): ops inside
    record no graph, in this thread only.

    >>> from tinygrad_ce import Tensor
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> with no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    def __new__(cls, func=None):
        self = super().__new__(cls)
        return self if func is None else self(func)  # bare @no_grad: decorate at once

    def __enter__(self):
        _state.saved.append(_state.grad_enabled)
        _state.grad_enabled = False
        return self

    def __exit__(self, *exc_info):
        _state.grad_enabled = _state.saved.pop()
        return False

    def __call__(self, func):
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator_without_grad(*args, **kwargs):
                generator = func(*args, **kwargs)
                resume, value = generator.send, None
                while True:
                    try:
                        with no_grad():
                            request = resume(value)
                    except StopIteration as stop:
                        return stop.value
                    try:
                        value, resume = (yield request), generator.send
                    except GeneratorExit:
                        generator.close()
                        raise
                    except BaseException as error:  # thrown in: pass it on, still without grad
                        value, resume = error, generator.throw

            return generator_without_grad

        @functools.wraps(func)
        def without_grad(*args, **kwargs):
            with no_grad():
                return func(*args, **kwargs)

        return without_grad


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
