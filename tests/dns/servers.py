"""DNS servers on loopback for tests: NSD, rbldnsd and a programmable Python server.

Each server runs as the current user on a free high port with its config,
pid and data files in a temporary directory, and is stopped by the caller.
"""

import os
import pwd
import socket
import socketserver
import struct
import subprocess
import threading
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset


def free_port():
    """Return a port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port on 127.0.0.1")


def wait_until_answering(port, name, qtype="SOA", timeout=15.0, process=None, log=None):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        try:
            dns.query.udp(dns.message.make_query(name, qtype), "127.0.0.1", port=port, timeout=0.5)
            return
        except Exception as exc:  # any failure means "not up yet"
            last_error = exc
    detail = Path(log).read_text() if log and Path(log).exists() else ""
    raise RuntimeError(f"DNS server on port {port} did not answer for {name}: {last_error}\n{detail}")


class Daemon:
    def __init__(self, args, port, directory, log, probe_name, probe_type="SOA"):
        self.port = port
        self.directory = Path(directory)
        self.log_path = Path(log)
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                        cwd=self.directory)
        try:
            wait_until_answering(port, probe_name, probe_type, process=self.process, log=self.log_path)
        except Exception:
            self.stop()
            raise

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def start_nsd(binary, directory, zones, *, server_count=1, extra=""):
    """Start NSD serving `zones` ({origin: zone text}) with rate limiting off."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    zone_blocks = []
    for origin, text in zones.items():
        filename = f"{origin.rstrip('.')}.zone"
        (directory / filename).write_text(text)
        zone_blocks.append(f"zone:\n  name: \"{origin}\"\n  zonefile: \"{filename}\"\n")
    config = f"""server:
  ip-address: 127.0.0.1@{port}
  port: {port}
  username: ""
  chroot: ""
  zonesdir: "{directory}"
  pidfile: "{directory}/nsd.pid"
  database: ""
  xfrdfile: "{directory}/xfrd.state"
  xfrdir: "{directory}"
  zonelistfile: "{directory}/zone.list"
  logfile: "{directory}/nsd.log"
  server-count: {server_count}
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
  verbosity: 1
  hide-version: yes
  minimal-responses: yes
{extra}
remote-control:
  control-enable: no

""" + "\n".join(zone_blocks)
    (directory / "nsd.conf").write_text(config)
    first_zone = next(iter(zones))
    return Daemon([binary, "-d", "-c", str(directory / "nsd.conf")], port, directory,
                  directory / "nsd.out", first_zone)


def start_rbldnsd(binary, directory, zone, data):
    """Start rbldnsd serving one ip4set zone from `data` (rbldnsd's ip4set text)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (directory / "zone.ip4set").write_text(data)
    # rbldnsd will not run as root; under root (as in CI) it drops to nobody,
    # which then needs to read the zone file.
    if os.getuid() == 0:
        user = "nobody"
        for path in (directory, *directory.parents):
            if str(path) in ("/", "/tmp"):
                break
            path.chmod(path.stat().st_mode | 0o755)
        (directory / "zone.ip4set").chmod(0o644)
    else:
        user = pwd.getpwuid(os.getuid()).pw_name
    args = [binary, "-n", "-u", user, "-w", str(directory), "-b", f"127.0.0.1/{port}",
            "-p", str(directory / "rbldnsd.pid"), f"{zone}:ip4set:zone.ip4set"]
    return Daemon(args, port, directory, directory / "rbldnsd.out", zone, "A")


class ProgrammableServer:
    """A UDP and TCP DNS server whose reply to each name is set by the test.

    `behaviours` maps a lowercase name without the final dot to one of:
    ("servfail",), ("refused",), ("drop",) (never answer), ("mismatch",)
    (a reply with the query's id but another question), ("truncate",
    rtype, values) (TC over UDP, full answer over TCP), ("answer", rtype,
    values), ("nodata",). Other names get NXDOMAIN. `seen` counts queries per
    (name, transport).
    """

    def __init__(self, behaviours=None):
        self.behaviours = dict(behaviours or {})
        self.seen = {}
        self.port = free_port()
        server = self

        class UdpHandler(socketserver.BaseRequestHandler):
            def handle(self):
                data, sock = self.request
                reply = server.reply(data, "udp")
                if reply is not None:
                    sock.sendto(reply, self.client_address)

        class TcpHandler(socketserver.BaseRequestHandler):
            def handle(self):
                header = self.request.recv(2)
                if len(header) < 2:
                    return
                length = struct.unpack(">H", header)[0]
                data = b""
                while len(data) < length:
                    piece = self.request.recv(length - len(data))
                    if not piece:
                        return
                    data += piece
                reply = server.reply(data, "tcp")
                if reply is not None:
                    self.request.sendall(struct.pack(">H", len(reply)) + reply)

        socketserver.ThreadingUDPServer.allow_reuse_address = True
        self.udp = socketserver.ThreadingUDPServer(("127.0.0.1", self.port), UdpHandler)
        self.tcp = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), TcpHandler)
        self.threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (self.udp, self.tcp)]
        for thread in self.threads:
            thread.start()

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def reply(self, data, transport):
        query = dns.message.from_wire(data)
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        self.seen[(name, transport)] = self.seen.get((name, transport), 0) + 1
        behaviour = self.behaviours.get(name, ("nxdomain",))
        action = behaviour[0]
        if action == "drop":
            return None
        if action == "mismatch":
            # Same id, different question: a spoofed or stray reply the client must ignore.
            other = dns.message.make_query("mismatch.invalid", question.rdtype)
            other.id = query.id
            response = dns.message.make_response(other)
            response.answer.append(dns.rrset.from_text(other.question[0].name, 300, "IN", "A", "192.0.2.66"))
            return response.to_wire()
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if action == "servfail":
            response.set_rcode(dns.rcode.SERVFAIL)
        elif action == "refused":
            response.set_rcode(dns.rcode.REFUSED)
        elif action == "nxdomain":
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif action == "truncate" and transport == "udp":
            response.flags |= dns.flags.TC
        elif action in ("answer", "truncate"):
            rtype, values = behaviour[1], behaviour[2]
            if dns.rdatatype.from_text(rtype) == question.rdtype or rtype == "CNAME":
                response.answer.append(dns.rrset.from_text(question.name, 300, "IN", rtype, *values))
        return response.to_wire()

    def stop(self):
        for server in (self.udp, self.tcp):
            server.shutdown()
            server.server_close()
