"""Security defaults of consumer-dashboard (issue 7, item 5).

Safe by default: it listens on 127.0.0.1 unless told otherwise; with --auth
every request (API, assets, WebSocket) needs the right credentials; with
--tls-cert it speaks only HTTPS; every response carries the security headers;
hostile CSV content comes back as JSON text, never as markup.
"""

import base64
import ctypes
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import DASHBOARD, PRODUCER, free_port, http_json, wait_until
from csvfile import write_rows


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def start_dashboard(procs, broker, topic, *extra, name="dashboard"):
    port = free_port()
    p = procs([DASHBOARD, "-b", broker.bootstrap, "-t", topic,
               "--listen", f"127.0.0.1:{port}", *extra], name)
    wait_until(lambda: port_open(port) or not p.alive(), what="dashboard listening")
    assert p.alive(), p.output()
    return p, port


def request(url, headers=None, method="GET", context=None, timeout=5):
    """(status, headers, body) also for 4xx/5xx answers."""
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def basic(user_pass):
    return {"Authorization": "Basic " + base64.b64encode(user_pass.encode()).decode()}


def ws_upgrade(port, headers=None, tls_context=None):
    """Sends a WebSocket upgrade for /ws; returns the status line and headers."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET /ws HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket",
             "Connection: Upgrade", f"Sec-WebSocket-Key: {key}",
             "Sec-WebSocket-Version: 13"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    data = b""
    try:
        if tls_context:
            s = tls_context.wrap_socket(s, server_hostname="127.0.0.1")
        s.sendall(raw)
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass  # a closed connection is a refusal too
    finally:
        s.close()
    return data.split(b"\r\n", 1)[0].decode(errors="replace"), data


# ---- 127.0.0.1 unless told ---------------------------------------------------

def listeners(pid):
    """(address hex, port) of the LISTEN sockets in pid's network namespace."""
    out = []
    for name in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{name}") as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            addr, port = cols[1].split(":")
            if cols[3] == "0A":  # TCP_LISTEN
                out.append((name, addr, int(port, 16)))
    return out


def can_unshare_net():
    if not shutil.which("unshare") or not shutil.which("ip"):
        return False
    r = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return r.returncode == 0


def test_default_listen_address_is_loopback(procs, tmp_path):
    """With no --listen at all the dashboard binds 127.0.0.1:8080 only.

    Run in a private network namespace so that the real default port (8080)
    can be used without touching the machine's own 8080.
    """
    help_text = subprocess.run([DASHBOARD, "--help"], capture_output=True,
                               text=True, check=True).stdout
    assert "(default: 127.0.0.1:8080)" in help_text
    if not can_unshare_net():
        # No namespaces here (unprivileged container): the help's default
        # above is then all we can check without touching port 8080.
        return
    p = procs(["unshare", "-n", "sh", "-c",
               f"ip link set lo up && exec {DASHBOARD} -b 127.0.0.1:1 -t sec_default"],
              "dashboard-netns", env={"DASHBOARD_LISTEN": ""})
    socks = wait_until(lambda: [s for s in listeners(p.p.pid) if s[2] == 8080]
                       or (not p.alive() and "exited"), what="a listener on 8080")
    assert socks != "exited", p.output()
    assert socks == [("tcp", "0100007F", 8080)], socks  # 127.0.0.1 only, no ::


def test_listen_loopback_binds_loopback_only(procs, broker, topic):
    """--listen 127.0.0.1:PORT binds exactly that (checked in /proc, not by
    connecting): no extra wildcard or IPv6 listener."""
    p, port = start_dashboard(procs, broker, topic)
    mine = [s for s in listeners(p.p.pid) if s[2] == port]
    assert mine == [("tcp", "0100007F", port)]


def test_listen_without_host_is_refused(procs, broker, topic):
    """A bare port would make civetweb bind every interface: refused."""
    port = free_port()
    r = subprocess.run([DASHBOARD, "-b", broker.bootstrap, "-t", topic,
                        "--listen", str(port)], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode != 0
    assert "--listen" in r.stderr
    r = subprocess.run([DASHBOARD, "-b", broker.bootstrap, "-t", topic,
                        "--listen", f":{port}"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode != 0


# ---- authentication ------------------------------------------------------------

SEED = [["id", "nome", "idade", "cidade", "valor"],
        [1, "Ana", 30, "Recife", "10.50"], [2, "Bia", 40, "Natal", "2.25"]]


def load_rows(procs, broker, topic, tmp_path, header, rows):
    csv_path = tmp_path / "input.csv"
    write_rows(csv_path, header, rows)
    procs([PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", csv_path,
           "--state-dir", tmp_path / "state"], "producer")
    return csv_path


def test_auth_wrong_credentials_get_401_right_ones_200(procs, broker, topic, tmp_path):
    load_rows(procs, broker, topic, tmp_path, SEED[0], SEED[1:])
    _, port = start_dashboard(procs, broker, topic, "--auth", "alice:s3cret:x")
    url = f"http://127.0.0.1:{port}"
    good = basic("alice:s3cret:x")
    wait_until(lambda: request(url + "/api/snapshot", good)[0] == 200 and
               json.loads(request(url + "/api/snapshot", good)[2])["count"] == 2,
               what="snapshot with 2 rows through auth")

    wrong = [
        {},
        basic("alice:wrong"),
        basic("bob:s3cret:x"),
        basic("alice:s3cret"),          # a prefix of the password
        basic("alice:s3cret:xx"),       # the password plus one character
        basic("ALICE:s3cret:x"),
        basic(""),
        {"Authorization": "Basic !!!notbase64!!!"},
        {"Authorization": "Bearer " + base64.b64encode(b"alice:s3cret:x").decode()},
        {"Authorization": "Basic " + "QUFB" * 400},  # 1.6 KB of base64
        {"Authorization": "Basic " + base64.b64encode(b"alice:s3cret:x\0junk").decode()},
    ]
    for path in ["/", "/app.js", "/api/snapshot", "/api/rows", "/api/export.csv",
                 "/healthz", "/metrics", "/nonexistent", "/../../etc/passwd"]:
        for h in wrong:
            status, headers, body = request(url + path, h)
            assert status == 401, (path, h, status)
            assert b"Ana" not in body and b"Recife" not in body
        assert "Basic" in request(url + path)[1].get("WWW-Authenticate", "")
    for path in ["/", "/app.js", "/api/snapshot", "/api/rows", "/healthz"]:
        assert request(url + path, good)[0] == 200, path
    # The WebSocket upgrade needs the credentials too.
    assert " 101 " not in ws_upgrade(port)[0] + " "
    assert " 101 " not in ws_upgrade(port, basic("alice:nope"))[0] + " "
    assert " 101 " in ws_upgrade(port, good)[0] + " "


def test_auth_flag_without_password_is_refused(broker, topic):
    r = subprocess.run([DASHBOARD, "-b", broker.bootstrap, "-t", topic,
                        "--listen", f"127.0.0.1:{free_port()}", "--auth", "alice"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "--auth" in r.stderr


# ---- TLS -------------------------------------------------------------------------

def make_cert(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    pem = tmp_path / "server.pem"
    pem.write_bytes(key.read_bytes() + cert.read_bytes())
    pem.chmod(0o600)
    return pem, cert


@pytest.mark.skipif(not shutil.which("openssl"), reason="openssl not installed")
def test_tls_when_enabled(procs, broker, topic, tmp_path):
    pem, cert = make_cert(tmp_path)
    load_rows(procs, broker, topic, tmp_path, SEED[0], SEED[1:])
    dash, port = start_dashboard(procs, broker, topic, "--tls-cert", pem,
                                 "--auth", "u:p")
    ctx = ssl.create_default_context(cafile=str(cert))
    url = f"https://127.0.0.1:{port}"
    # HTTPS requests must not take the server down (they did, finding F1:
    # civetweb 1.15 calls SSL_get_peer_certificate, gone from OpenSSL 3; the
    # dashboard's libdashboard-ssl-compat.so supplies it).
    for _ in range(3):
        assert request(url + "/healthz", basic("u:p"), context=ctx)[0] in (200, 503)
    time.sleep(0.5)
    assert dash.alive(), "dashboard died on HTTPS requests:\n" + dash.output()[-2000:]
    snap = wait_until(lambda: (lambda r: r[0] == 200 and json.loads(r[2]))(
        request(url + "/api/snapshot", basic("u:p"), context=ctx)),
        what="snapshot over HTTPS")
    assert snap["count"] in (0, 1, 2)
    assert request(url + "/api/snapshot", basic("u:x"), context=ctx)[0] == 401
    # The certificate served is ours, and the handshake is TLS 1.2 or newer.
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            assert s.version() in ("TLSv1.2", "TLSv1.3")
    # Old protocols are refused.
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.check_hostname = False
    old.verify_mode = ssl.CERT_NONE
    try:
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            with pytest.raises((ssl.SSLError, OSError)):
                with old.wrap_socket(raw, server_hostname="127.0.0.1"):
                    pass
    except ValueError:
        pass  # this OpenSSL cannot even offer TLS 1.0/1.1
    # Plain HTTP on the TLS port gets no data.
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET /api/snapshot HTTP/1.1\r\nHost: x\r\nAuthorization: Basic dTpw\r\n\r\n")
        s.settimeout(5)
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        assert b"Ana" not in data and b"\"count\"" not in data
    # WebSocket over TLS, same origin (https://host) accepted.
    status, _ = ws_upgrade(port, {"Origin": f"https://127.0.0.1:{port}",
                                  **basic("u:p")}, tls_context=ctx)
    assert " 101 " in status + " "
    status, _ = ws_upgrade(port, {"Origin": f"http://127.0.0.1:{port}",
                                  **basic("u:p")}, tls_context=ctx)
    assert " 101 " not in status + " "


def system_libssl_lacks_peer_certificate():
    try:
        return not hasattr(ctypes.CDLL("libssl.so"), "SSL_get_peer_certificate")
    except OSError:
        return True  # no libssl.so at all: civetweb cannot load it either


@pytest.mark.skipif(not shutil.which("openssl"), reason="openssl not installed")
def test_tls_refused_at_start_when_civetweb_cannot_use_openssl(broker, topic, tmp_path):
    """Without its compatibility library (a copy of the binary alone, as in
    an image that ships only the executable), the dashboard must refuse
    --tls-cert at start with one clear line and exit status 2, never start
    an HTTPS server that crashes on the first handshake (finding F1)."""
    pem, _ = make_cert(tmp_path)
    alone = tmp_path / "bin" / "consumer-dashboard"
    alone.parent.mkdir()
    shutil.copy2(DASHBOARD, alone)
    port = free_port()
    r = subprocess.run([alone, "-b", broker.bootstrap, "-t", topic,
                        "--listen", f"127.0.0.1:{port}", "--tls-cert", pem],
                       capture_output=True, text=True, timeout=60)
    if not system_libssl_lacks_peer_certificate():
        pytest.fail("this libssl.so exports SSL_get_peer_certificate: the "
                    "refusal cannot be produced here")
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, r.stderr
    assert "--tls-cert" in lines[0] and "reverse proxy" in lines[0], lines[0]
    assert "SSL_get_peer_certificate" in lines[0] or "libssl.so" in lines[0]
    assert not port_open(port)


def test_tls_bad_certificate_is_a_clear_startup_error(broker, topic, tmp_path):
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate\n")
    r = subprocess.run([DASHBOARD, "-b", broker.bootstrap, "-t", topic,
                        "--listen", f"127.0.0.1:{free_port()}", "--tls-cert", bad],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "certificate" in (r.stderr + r.stdout).lower()


# ---- headers and hostile content ---------------------------------------------------

def check_security_headers(headers, where):
    csp = headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp, where
    assert "frame-ancestors 'none'" in csp, where
    script_src = [d for d in csp.split(";") if d.strip().startswith("script-src")]
    assert script_src and "unsafe-inline" not in script_src[0], where
    assert "unsafe-eval" not in csp, where
    assert headers.get("X-Content-Type-Options", "").lower() == "nosniff", where
    assert headers.get("X-Frame-Options", "").upper() in ("DENY", "SAMEORIGIN"), where
    assert headers.get("Referrer-Policy", ""), where


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"><svg/onload=alert(1)>",
    "javascript:alert(1)",
    "{{constructor.constructor('alert(1)')()}}",
    "';alert(1);//",
    "\u202eevil",
]


def test_security_headers_everywhere_and_hostile_cells_are_json_text(
        procs, broker, topic, tmp_path):
    rows = [[i + 1, h, 20 + i, h, f"{i}.25"] for i, h in enumerate(HOSTILE)]
    load_rows(procs, broker, topic, tmp_path, SEED[0], rows)
    _, port = start_dashboard(procs, broker, topic)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: http_json(url + "/api/snapshot")["count"] == len(HOSTILE),
               what="hostile rows loaded")
    for path in ["/", "/app.js", "/style.css", "/api/snapshot", "/api/rows",
                 "/api/categories", "/api/export.csv", "/healthz", "/metrics",
                 "/nope", "/api/rows?bogus=1"]:
        status, headers, _ = request(url + path)
        assert status in (200, 400, 404), (path, status)
        check_security_headers(headers, path)
    status, headers, _ = request(url + "/api/snapshot", method="POST")
    assert status == 405
    check_security_headers(headers, "POST")

    status, headers, body = request(url + "/api/rows?size=100")
    assert headers.get("Content-Type", "").startswith("application/json")
    page = json.loads(body)
    cells = {c for row in page["rows"] for c in row if isinstance(c, str)}
    assert set(HOSTILE) <= cells  # exactly the text, nothing stripped or added
    # The page itself has no inline script for the data to reach.
    _, _, index = request(url + "/")
    assert b"<script>" not in index.replace(b"<script src=", b"")
