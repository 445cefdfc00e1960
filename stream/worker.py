"""One long-lived thread with an owner: started once, stopped within a deadline, joined.

Every hand-written loop of the service (a camera's decoder, a detector worker, retention, ...)
is a :class:`Worker`: the subclass writes :meth:`Worker.run` (come round while not
:attr:`~Worker.stopping`, :meth:`~Heartbeat.beat` the heartbeat, sleep with :meth:`~Worker.wait`)
and, if its loop blocks on something other than :meth:`~Worker.wait`, overrides
:meth:`~Worker.wake` to interrupt it. :meth:`~Worker.stop` asks, wakes, joins until the deadline
and says whether the thread ended; a thread that did not is logged once. An exception that
escapes ``run`` is logged with its traceback, kept in :attr:`~Worker.error` and shows as a
``dead`` thread in :meth:`Heartbeat.health` (readiness and metrics read it). It lives in
``stream``, the lowest layer, so that every thread owner may use it.
"""

from __future__ import annotations

import logging
import threading

from stream.heartbeat import Heartbeat

log = logging.getLogger(__name__)

THREAD_PREFIX = "trackcast-"
"""Threads the service owns are named so (``service.process_stats`` counts them)."""


class Worker:
    """Runs :meth:`run` on a thread named ``trackcast-{name}``; its heartbeat is ``name``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.heartbeat = Heartbeat(name)
        self.error: BaseException | None = None
        """What ended the loop, if it raised (it is also in the heartbeat's health)."""
        self._stop = threading.Event()
        """Set by :meth:`stop`; a subclass may hand it to whatever waits on its behalf."""
        self._thread = threading.Thread(
            target=self.heartbeat.guard(self._main), name=THREAD_PREFIX + name, daemon=True
        )
        self._control = threading.Lock()
        self._launched = False
        self._late_logged = False

    def run(self) -> None:
        """The loop, on the worker's thread; return once :attr:`stopping`."""
        raise NotImplementedError

    def wake(self) -> None:
        """Called once by :meth:`stop` before it joins: interrupt whatever the loop waits on
        besides :meth:`wait` (a condition, a queue, consumers of its output)."""

    # -- control, from other threads -----------------------------------------------------------

    def start(self) -> None:
        """Start the thread; RuntimeError if it was started before."""
        with self._control:
            if self._launched:
                raise RuntimeError(f"worker {self.name} was already started")
            self._launched = True
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Ask the loop to end, wake it and wait up to ``timeout_s`` for the thread; True if it
        ended (or never started)."""
        self._stop.set()
        self.wake()
        return self.join(timeout_s)

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait up to ``timeout_s`` (None: for ever) for the thread; True if it ended or never
        started. A thread still running at the deadline is logged, once."""
        if not self.started:
            return True
        if threading.current_thread() is self._thread:  # stopped from its own loop
            return False
        self._thread.join(timeout_s)
        if not self._thread.is_alive():
            return True
        with self._control:
            first, self._late_logged = not self._late_logged, True
        if first:
            log.warning(
                "thread %s did not stop within %.1f s; it ends when its current step returns",
                self._thread.name,
                timeout_s if timeout_s is not None else float("inf"),
            )
        return False

    @property
    def started(self) -> bool:
        with self._control:
            return self._launched

    @property
    def running(self) -> bool:
        """The thread is alive."""
        return self._thread.is_alive()

    # -- for the loop --------------------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        """:meth:`stop` was called: the loop should end."""
        return self._stop.is_set()

    def wait(self, seconds: float | None) -> bool:
        """Sleep up to ``seconds``, returning early (True) once :meth:`stop` is called."""
        return self._stop.wait(seconds)

    def _main(self) -> None:
        try:
            self.run()
        except BaseException as error:
            self.error = error
            raise  # the heartbeat's guard logs it with its traceback and shows the thread dead
