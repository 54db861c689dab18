"""Where webhooks may go: every address class inside a network refused, behind a name too, unless allow-listed;
the POST goes to the checked address with the name in Host, SNI and the certificate check (a real TLS server on
loopback with a certificate made here)."""
from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from urllib3.exceptions import SSLError

from bot.integrations.destinations import DestinationRefused, Unresolved, check, post, why_inside
from config.parsers import parse_hosts
from config.settings import SettingsError

INSIDE = {
    "127.0.0.1": "loopback", "127.255.0.9": "loopback", "10.1.2.3": "private", "172.16.0.1": "private",
    "172.31.255.255": "private", "192.168.0.10": "private", "169.254.169.254": "link-local",
    "100.64.0.1": "shared", "100.127.255.254": "shared", "0.0.0.0": "unspecified", "0.1.2.3": "private",
    "224.0.0.251": "multicast", "239.255.255.250": "multicast", "240.0.0.1": "reserved",
    "255.255.255.255": "reserved", "::1": "loopback", "::": "unspecified", "fc00::1": "private",
    "fdff:ffff::1": "private", "fe80::1": "link-local", "ff02::1": "multicast", "::ffff:127.0.0.1": "loopback",
    "::ffff:169.254.169.254": "link-local", "::ffff:10.0.0.1": "private", "::ffff:7f00:1": "loopback",
    "::127.0.0.1": "loopback", "2002:7f00:1::": "loopback", "2002:a00:1::1": "private",
    "64:ff9b::a9fe:a9fe": "link-local", "2001:0:4136:e378:8000:63bf:f5ff:fffe": "private",
}
PUBLIC = ("93.184.215.14", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e")


@pytest.fixture
def dns(monkeypatch):
    """{name: [addresses]} answered by getaddrinfo; other names as usual."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if host not in answers:
            return real(host, port, family, type, proto, flags)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port, 0, 0) if ":" in a else (a, port)) for a in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def test_every_address_class_inside_a_network_is_named_and_public_ones_pass():
    for address, reason in INSIDE.items():
        found = why_inside(ipaddress.ip_address(address))
        assert found is not None and reason in found, (address, found)
    assert [why_inside(ipaddress.ip_address(a)) for a in PUBLIC] == [None] * len(PUBLIC)


def test_literals_names_and_localhost_are_refused_with_nothing_allowed(dns):
    for address, reason in INSIDE.items():
        dns[f"n{len(dns)}.example.com"] = [address]
        with pytest.raises(DestinationRefused, match=reason):
            check(f"http://n{len(dns) - 1}.example.com/hook", frozenset())
        if ":" not in address:
            with pytest.raises(DestinationRefused, match=reason):
                check(f"http://{address}:8080/hook", frozenset())
    for url in ("http://localhost:8677/hook", "http://LOCALHOST./x", "http://127.1/", "http://2130706433/",
                "http://0x7f.0.0.1/", "http://[::1]:80/", "http://[::ffff:127.0.0.1]/"):
        with pytest.raises(DestinationRefused, match="loopback"):
            check(url, frozenset())
    dns["mixed.example.com"] = [PUBLIC[0], "192.168.0.10"]
    with pytest.raises(DestinationRefused, match="192.168.0.10"):
        check("https://mixed.example.com/", frozenset())
    with pytest.raises(Unresolved):
        check("http://nowhere.invalid/", frozenset())
    for url in ("ftp://example.com/", "http://user:pw@example.com/", "http:///path", "gopher://x/"):
        with pytest.raises(DestinationRefused):
            check(url, frozenset())


def test_the_allow_list_names_hosts_addresses_and_networks(dns):
    allowed = parse_hosts("WEBHOOK_ALLOWED_PRIVATE", " 10.1.2.3, Hooks.Internal., 192.168.10.0/24,fd00::/8,,")
    assert allowed == {"10.1.2.3/32", "hooks.internal", "192.168.10.0/24", "fd00::/8"}
    dns["hooks.internal"] = ["10.9.9.9"]
    dns["crm.corp.example"] = ["192.168.10.7", "fd00::7"]
    dns["other.corp.example"] = ["192.168.11.7"]
    assert check("http://10.1.2.3:8080/in?x=1", allowed).target == "/in?x=1"
    assert check("https://HOOKS.internal/in", allowed).addresses == ("10.9.9.9",)
    assert check("http://crm.corp.example/in", allowed).addresses == ("192.168.10.7", "fd00::7")
    for url in ("http://10.1.2.4/", "http://other.corp.example/", "http://127.0.0.1/", "http://169.254.169.254/"):
        with pytest.raises(DestinationRefused):
            check(url, allowed)
    for garbage in ("hooks internal", "10.0.0.0/33", "a_b.example", "-x.example"):
        with pytest.raises(SettingsError, match="WEBHOOK_ALLOWED_PRIVATE"):
            parse_hosts("WEBHOOK_ALLOWED_PRIVATE", garbage)


def _certificate(tmp_path, name: str):
    """A CA and a server certificate for name, written as PEM files: (ca file, certificate chain, key)."""
    def key_pem(key):
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())

    now = dt.datetime.now(dt.UTC)
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name).public_key(leaf_key.public_key()).serial_number(2)
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = tmp_path / "ca.pem", tmp_path / "leaf.pem", tmp_path / "leaf.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key_pem(leaf_key))
    return paths


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch):
    """An https receiver on 127.0.0.1 whose certificate names hooks.example.com; records SNI and requests."""
    ca, chain, key = _certificate(tmp_path, "hooks.example.com")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
    seen: dict[str, list] = {"sni": [], "requests": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen["requests"].append((self.path, dict(self.headers), body))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args):
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain, key)
    context.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port, seen
    server.shutdown()


def test_https_goes_to_the_checked_address_with_the_name_in_sni_host_and_certificate(dns, tls_receiver):
    port, seen = tls_receiver
    dns["hooks.example.com"] = ["127.0.0.1"]
    destination = check(f"https://hooks.example.com:{port}/in?a=1", frozenset({"127.0.0.1/32"}))
    dns["hooks.example.com"] = ["10.0.0.1"]  # a second lookup would go elsewhere: there is none
    assert post(destination, b'{"x":1}', {"Content-Type": "application/json"}, 5) == 202
    [(path, headers, body)] = seen["requests"]
    assert (path, headers["Host"], body, seen["sni"]) == ("/in?a=1", f"hooks.example.com:{port}", b'{"x":1}',
                                                          ["hooks.example.com"])
    dns["other.example.com"] = ["127.0.0.1"]  # the same server, reached under a name its certificate lacks
    with pytest.raises(SSLError):
        post(check(f"https://other.example.com:{port}/", frozenset({"127.0.0.1/32"})), b"{}", {}, 5)
    assert len(seen["requests"]) == 1
