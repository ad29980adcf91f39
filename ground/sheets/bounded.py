"""Reading a sheet in a child process held to a memory and CPU budget: what the platform reads uploads with.

    sheet = open_sheet(path, "盘点结果.xlsx", ["申请号", ...])   # a RawSheet, as reader.open_sheet gives it
    for row_number, cells in sheet.rows(): ...

A hostile file can make a parser allocate without bound (python-calamine aborts the whole process
when an allocation fails: no MemoryError to catch) or spin for minutes. So reader.open_sheet runs
in a child forked for the read, its address space limited to what it inherited plus
SHEET_PARSE_MEMORY_MB (RLIMIT_AS) and its processor time to SHEET_PARSE_SECONDS (RLIMIT_CPU); the
parent waits at most SHEET_PARSE_SECONDS for each message. The child sends the sheet's header row,
then its rows in chunks through a pipe, so the parent validates rows while the child parses the
next ones. A child that fails, dies, or runs out of memory or time becomes a SheetError in Chinese;
a child whose rows are abandoned is killed and reaped.

os.fork, not multiprocessing: Celery's prefork pool processes are daemonic and may not start
multiprocessing children, and a fork needs no second interpreter. The child never touches the
database or anything else it inherited: it leaves with os._exit, closing nothing of the parent's.
Before the fork, a CSV whose line count is past SHEET_MAX_ROWS is refused at once.
"""

import contextlib
import ctypes
import faulthandler
import os
import resource
import signal
import weakref
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

from django.utils.translation import gettext as _

from ground.sheets import limits as sheet_limits
from ground.sheets import reader
from ground.sheets.errors import SheetError
from ground.sheets.limits import SheetLimits

# Rows per message from the child: large enough that pickling is cheap, small enough to stream.
ROWS_PER_MESSAGE = 1000
# How the child leaves: done, or failed in a way it could still report.
_DONE, _FAILED = 0, 3
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def open_sheet(path: str | Path, original_name: str, required_headers: list[str],
               limits: SheetLimits | None = None) -> reader.RawSheet:
    """reader.open_sheet in a child process under `limits` (by default the settings'); the same
    RawSheet, its rows streamed from the child. Raises SheetError as reader.open_sheet does, and
    when the child runs out of memory or time, or dies."""
    limits = limits or SheetLimits.current()
    path = Path(path)
    if reader.sniff_kind(path, original_name) == "csv":
        estimated = reader.estimate_rows(path, original_name)
        if estimated > limits.max_sheet_rows:
            raise sheet_limits.too_many_rows(estimated - 1, limits)
    child = _Child.start(path, original_name, list(required_headers), limits)
    _kind, name, header_row, headers, original_headers, uncached = child.receive()
    return reader.RawSheet(name, header_row, headers, original_headers, child.rows(), uncached)


class _Child:
    """The parent's end of one read: the child's pid and the pipe its messages come through."""

    def __init__(self, pid: int, connection: Connection, path: Path, limits: SheetLimits) -> None:
        self.pid, self.connection, self.path, self.limits = pid, connection, path, limits
        self.status: int | None = None
        # A RawSheet dropped before its rows were read still ends its child.
        self._finalizer = weakref.finalize(self, _end, pid, connection)

    @classmethod
    def start(cls, path: Path, original_name: str, required_headers: list[str], limits: SheetLimits) -> "_Child":
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the parent's code
            status = _FAILED
            try:
                os.close(read_end)
                _serve(Connection(write_end, readable=False), path, original_name, required_headers, limits)
                status = _DONE
            finally:
                os._exit(status)
        os.close(write_end)
        return cls(pid, Connection(read_end, writable=False), path, limits)

    def receive(self) -> tuple:
        """The child's next message; its error or death raised as SheetError (the child then ended)."""
        try:
            if not self.connection.poll(self.limits.seconds):
                self.stop()
                raise SheetError(_("读取文件超过 %(seconds)d 秒仍未完成,已停止:文件过大或已损坏")
                                 % {"seconds": self.limits.seconds})
            message = self.connection.recv()
        except (EOFError, OSError):
            raise self._death() from None
        if message[0] == "error":
            self.stop()
            raise SheetError(message[1])
        return message

    def rows(self) -> Iterator[tuple[int, list]]:
        try:
            while True:
                message = self.receive()
                if message[0] == "end":
                    return
                yield from message[1]
        finally:
            self.stop()

    def stop(self) -> None:
        """Kill the child if it still runs, and reap it (idempotent)."""
        if self._finalizer.alive:
            self._finalizer.detach()
            self.status = _end(self.pid, self.connection)

    def _death(self) -> SheetError:
        """Why the child ended without a word: out of memory, out of time, or crashed."""
        self.stop()
        status = self.status or 0
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXCPU:
            return SheetError(_("读取文件超过 %(seconds)d 秒仍未完成,已停止:文件过大或已损坏")
                              % {"seconds": self.limits.seconds})
        return self._culprit() or SheetError(
            _("读取文件时超出 %(mb)d MB 的内存上限或解析失败:文件过大、已损坏或被篡改,请在 Excel 中另存后重新上传")
            % {"mb": self.limits.memory_mb})


    def _culprit(self) -> SheetError | None:
        """The out-of-range reference a parser may have died of, in an .xlsx small enough to scan."""
        try:
            if self.path.stat().st_size > 64 * 2**20 or reader.sniff_kind(self.path, self.path.name) != "xlsx":
                return None
        except (OSError, SheetError):
            return None
        return sheet_limits.find_out_of_range_reference(self.path, self.limits)


def _end(pid: int, connection: Connection) -> int:
    """Kill and reap the child `pid`; its wait status."""
    connection.close()
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:  # reaped elsewhere (a SIGCHLD handler)
        return 0


def _serve(connection: Connection, path: Path, original_name: str, required_headers: list[str],
           limits: SheetLimits) -> None:
    """In the child: read the sheet under the limits and send its header row, then its rows."""
    # A parser aborting on a failed allocation is expected here: no Python traceback dump for it.
    faulthandler.disable()
    _die_with_parent()
    _limit_resources(limits)
    try:
        sheet = reader.open_sheet(path, original_name, required_headers, limits)
        connection.send(("sheet", sheet.name, sheet.header_row, sheet.headers, sheet.original_headers,
                         sheet.uncached_formulas))
        chunk: list[tuple[int, list]] = []
        # Texts repeat across rows (enumerations, units): one object per distinct text in a message
        # is pickled once and unpickled once, which halves the parent's share of the work.
        texts: dict[str, str] = {}
        for row_number, cells in sheet.rows():
            chunk.append((row_number, [texts.setdefault(c, c) if type(c) is str else c for c in cells]))
            if len(chunk) >= ROWS_PER_MESSAGE:
                connection.send(("rows", chunk))
                chunk, texts = [], {}
        connection.send(("rows", chunk))
        connection.send(("end",))
    except SheetError as error:
        connection.send(("error", str(error)))
    except MemoryError:
        connection.send(("error", _("读取文件时超出 %(mb)d MB 的内存上限:文件过大或已损坏") % {"mb": limits.memory_mb}))


def _die_with_parent() -> None:
    """Have the kernel kill this child when the thread that forked it ends (a worker killed mid-read)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the pipe closing still ends the child at its next row
        pass


def _limit_resources(limits: SheetLimits) -> None:
    """The child's budget: its inherited address space plus `memory_mb`, and `seconds` of processor time."""
    try:
        with open("/proc/self/statm") as statm:
            inherited = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: no address-space figure to build on; the time limit still holds
        inherited = None
    if inherited is not None:
        ceiling = inherited + limits.memory_mb * 2**20
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            ceiling = min(ceiling, hard)
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = limits.seconds if hard == resource.RLIM_INFINITY else min(limits.seconds, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
