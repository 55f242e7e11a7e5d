"""The benchmark's servers, over TLS as production has it: a throwaway CA, a
certificate for 127.0.0.1 signed by it, one loopback server for any http.server
handler (the SendGrid stand-in; TLS when given a context, plain otherwise) and a
keep-alive TLS terminator in front of moto.

The terminator matters: moto answers `Connection: close`, and real KMS keeps
connections open, so the terminator keeps the client's TLS connection alive and
opens a plain connection to moto per request (loopback, no handshake). Without
it every KMS call would pay a TLS handshake that production does not pay.

Both senders trust the CA through their platform store: `SSL_CERT_FILE` for
Switchboard (rustls-native-certs, read by the AWS SDK's and reqwest's
verifiers), `NODE_EXTRA_CA_CERTS` for the Node.js reference.
"""
import datetime
import http.client
import http.server
import ipaddress
import os
import socket
import ssl
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# Hop-by-hop headers (RFC 9110 §7.6.1): the terminator's, not moto's, to set.
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "upgrade"}


def make_ca(directory):
    """Writes ca.pem, server.pem and server.key (P-256, for IP 127.0.0.1 and
    localhost) into `directory`; returns their paths."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Switchboard bench CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {name: os.path.join(directory, name) for name in ("ca.pem", "server.pem", "server.key")}
    with open(paths["ca.pem"], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths["server.pem"], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths["server.key"], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return paths


def server_context(paths):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(paths["server.pem"], paths["server.key"])
    context.set_alpn_protocols(["http/1.1"])
    return context


class Server(http.server.ThreadingHTTPServer):
    """A ThreadingHTTPServer with TCP_NODELAY on every connection and, given a
    TLS context, TLS on every connection, each handshake in its connection's
    thread, not in the accepting one."""
    daemon_threads = True

    def __init__(self, address, handler, context):
        self.context = context
        self.connections = 0  # accepted so far: whether a client reuses its connection
        super().__init__(address, handler)

    def finish_request(self, request, client_address):
        self.connections += 1
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.context is not None:
            try:
                request = self.context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)


def serve(handler, context=None):
    """Starts `handler` on a free loopback port, over TLS when `context` is
    given; returns the server."""
    server = Server(("127.0.0.1", 0), handler, context)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def terminator(upstream_port):
    """A handler class forwarding every request to http://127.0.0.1:upstream_port,
    keeping its own (client-side) connection alive."""

    class Terminator(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def forward(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                payload = answer.read()
            finally:
                upstream.close()
            self.send_response(answer.status, answer.reason)
            for name, value in answer.getheaders():
                if name.lower() not in HOP_BY_HOP and name.lower() not in ("server", "date"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward

    return Terminator
