"""Whole-state snapshots through the core's XFER buffer: the host copies chunks, the core owns the
format and every check. Restore streams the bytes twice (verify, then commit)."""

from .abi import RESTORE_REPLACE, STATE_ERRORS
from .errors import ToolwatchError, core_error


def _err(rc: int, what: str) -> ToolwatchError:
    if rc in STATE_ERRORS:
        code, message = STATE_ERRORS[rc]
        return ToolwatchError(code, f"{what}: {message}")
    return core_error(rc, what)


def snapshot(call, memory, store) -> bytes:
    total = int(call("snapshot_begin"))
    if total < 0:
        raise _err(total, "snapshot")
    xp, xs = call("xfer_ptr"), call("xfer_size")
    out = bytearray()
    for off in range(0, total, xs):
        n = call("snapshot_read", float(off), min(xs, total - off))
        if n < 0:
            raise _err(n, "snapshot")
        out += memory.read(store, xp, xp + n)
    return bytes(out)


def restore(call, memory, store, data: bytes, mode: int = RESTORE_REPLACE) -> int:
    what = "restore" if mode == RESTORE_REPLACE else "merge"
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ToolwatchError("SNAPSHOT_FOREIGN", f"{what}: a snapshot must be bytes")
    data = bytes(data)
    rc = call("restore_begin", float(len(data)), mode)
    if rc < 0:
        raise _err(rc, what)
    xp, xs = call("xfer_ptr"), call("xfer_size")
    try:
        for _ in range(2):
            for off in range(0, len(data), xs):
                chunk = data[off : off + xs]
                memory.write(store, chunk, xp)
                rc = call("restore_chunk", float(off), len(chunk))
                if rc < 0:
                    raise _err(rc, what)
            rc = call("restore_end")
            if rc < 0:
                raise _err(rc, what)
    except BaseException:
        call("restore_abort")
        raise
    return rc
