"""Keep freed array memory in the process between fits (glibc only), instead of page-faulting it back.

An event study allocates and frees many arrays of 0.1-4 MB (events x sessions). glibc's malloc
serves those from ``mmap`` or trims them off the heap as soon as they are freed, so every fit
page-faults the same memory in again: on the 500-event benchmark that was ~3,000 faults, about a
third of the fit's time on a virtual machine. Fixing the thresholds keeps up to
:data:`TRIM_THRESHOLD` bytes of freed heap for reuse; blocks above :data:`MMAP_THRESHOLD` still go
straight back to the system, so large studies do not hold on to their chunks.

The setting is process-wide and made once, on the first fit. Set ``RERATING_MALLOC_TUNING=0`` to
leave the allocator alone (for example when the host application tunes malloc itself).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

# glibc's own ceiling for its dynamic mmap threshold on 64-bit, and twice it for trimming (the ratio
# glibc keeps when it raises the threshold itself): the state a long run reaches, from the start.
# Measured on the 100,000-event benchmark: 0.61 s with these, 0.69 s with 8 MB / 32 MB, 0.68 s untuned.
MMAP_THRESHOLD = 32 * 2**20  # blocks larger than this are mmap-ed (and returned when freed)
TRIM_THRESHOLD = 64 * 2**20  # freed memory kept at the top of the heap before it is returned

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
_M_MMAP_THRESHOLD = -3

_done: bool | None = None  # None: not tried yet; True/False: applied or not


def tune_allocator() -> bool:
    """Fix glibc's mmap and trim thresholds once per process; return whether they are set.

    A no-op (False) off Linux/glibc, when ``RERATING_MALLOC_TUNING`` is ``0``, or when ``mallopt``
    refuses the values. Results never depend on it; only the number of page faults does.
    """
    global _done
    if _done is not None:
        return _done
    _done = False
    if os.environ.get("RERATING_MALLOC_TUNING", "1").strip() in {"0", "false", "no", "off"}:
        return False
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and other libcs have no mallopt
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # mmap threshold first: setting it also turns off glibc's dynamic threshold adjustment
    _done = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
    return _done
