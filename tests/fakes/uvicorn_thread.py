"""uvicorn in a thread that stops at once when asked (its own loop looks every 0.1 s)."""

from __future__ import annotations

import asyncio
import contextlib

import uvicorn


class PromptServer(uvicorn.Server):
    """``uvicorn.Server`` whose ``stop()`` wakes the main loop instead of waiting for a tick."""

    _wake: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)

    def stop(self) -> None:
        self.should_exit = True
        if self._loop is not None and self._wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already finished
                self._loop.call_soon_threadsafe(self._wake.set)
