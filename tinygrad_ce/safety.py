"""What keeps ops honest: read-only views of what they must not change, and version counters
that notice a tensor changed in place between an op's forward and its backward (as PyTorch's)."""

from __future__ import annotations

import contextlib

import numpy as np


def read_only(array):
    """A read-only view: what ops get to see of arrays they must not change."""
    if type(array) is not np.ndarray or not array.flags.writeable:
        return array
    view = array.view()
    view.setflags(False)  # positional: NumPy parses keywords slowly
    return view


def constant_input(x, recording):
    """What an op sees of an input that is not a Tensor: an array read-only, and copied while
    grad is recorded, as ``Tensor(x)`` copies it (its owner could change it before backward,
    unseen; a Tensor's change would be caught). Subclasses (``np.memmap``, ...) become plain
    arrays. Numbers and NumPy scalars pass as they are."""
    if not isinstance(x, np.ndarray):
        return x
    return read_only(np.array(x) if recording else np.asarray(x))  # a subclass as a plain array


def memory_owner(array):
    """The array that owns ``array``'s memory (NumPy points every view straight at it)."""
    return array if array.base is None else array.base


class VersionCounter:
    """How many times a tensor's memory was changed in place; views of it share one counter."""

    __slots__ = ("count",)

    def __init__(self):
        self.count = 0


def view_version(out, tensors):
    """``out``'s version counter and ``out`` itself: a view of an input tensor's memory shares
    that tensor's counter and is made writable again (forward saw a read-only view)."""
    for t in tensors:
        if memory_owner(t._data) is out.base:
            repeats = out.size > 0 and any(  # an empty array's strides may be 0: no repeats
                n > 1 and step == 0 for n, step in zip(out.shape, out.strides)
            )
            if not out.flags.writeable and not repeats:  # a broadcast stays read-only, as in
                out = out.view()  # PyTorch, which refuses writes where elements share memory
                with contextlib.suppress(ValueError):  # the tensor's own array is read-only
                    out.flags.writeable = True
            return t._version_counter, out
    return None, out


def versions_now(tensors):
    """Per tensor: its version counter, its version now, its memory's owner (by id), its shape.

    Recorded for every tensor of an op that saved something; backward asks only of the counters
    that moved whether their memory was saved (the rare case pays for the search).
    """
    versions = []
    for t in tensors:
        data, counter = t._data, t._version_counter
        owner = data if data.base is None else data.base
        versions.append((counter, counter.count, id(owner), data.shape))
    return versions


def saved_owners(saved):
    """The ids of the arrays that own the memory of the saved arrays."""
    return {id(memory_owner(a)) for a in saved if isinstance(a, np.ndarray)}


def check_versions(op_name, versions, saved):
    """Raise if a tensor whose memory the op saved was changed in place since forward."""
    for counter, version, owner, shape in versions:
        if counter.count != version and owner in saved_owners(saved):
            raise RuntimeError(
                f"{op_name}: a tensor of shape {shape} that it saved for backward was changed in "
                f"place: it is at version {counter.count}; expected version {version}"
            )
