#!/usr/bin/env python3
"""A real SMTP server for Switchboard's tests (aiosmtpd), on three loopback ports:

  --starttls-port  STARTTLS required before AUTH and mail
  --implicit-port  implicit TLS (SMTPS)
  --plain-port     no TLS offered at all (to prove we refuse it)

Every port requires AUTH with --user/--password. A throw-away CA (DIR/ca.pem) signs the
server certificate for localhost / 127.0.0.1. Each accepted message is written
to DIR/<n>.eml with DIR/<n>.json (envelope, auth user, TLS, port). Recipients
starting with "tempfail" get 451, with "reject" get 550; a message to a recipient
starting with "quote" gets a 550 after DATA that quotes the message's body as it
was transmitted (a content filter that tells what it refused; the quote is also
written to DIR/quoted.txt). Connections are counted
in DIR/connections.json. DIR/ready appears when all ports listen.
"""
import argparse
import datetime
import ipaddress
import json
import os
import ssl
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def make_certificate(directory):
    """A throw-away CA (written to ca.pem for clients to trust) and a server
    certificate for localhost / 127.0.0.1 signed by it."""
    now = datetime.datetime.now(datetime.timezone.utc)

    def build(subject, issuer, public_key, signing_key, is_ca, san=None):
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        )
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        return builder.sign(signing_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Switchboard Test CA")])
    ca = build(ca_name, ca_name, ca_key.public_key(), ca_key, True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    san = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = build(name, ca_name, key.public_key(), ca_key, False, san)

    def write(file_name, data):
        path = os.path.join(directory, file_name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    write("ca.pem", ca.public_bytes(serialization.Encoding.PEM))
    cert_path = write("cert.pem", cert.public_bytes(serialization.Encoding.PEM))
    key_path = write(
        "key.pem",
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


class Recorder:
    def __init__(self, directory, port):
        self.directory = directory
        self.port = port

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("tempfail"):
            return "451 4.3.0 Temporary failure, try again later"
        if address.startswith("reject"):
            # As Postfix does: the reply names the recipient.
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if address.startswith("relaydenied"):
            return "554 5.7.1 <%s>: Relay access denied" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(address.startswith("quote") for address in envelope.rcpt_tos):
            content = (envelope.original_content or envelope.content).decode("utf-8", "replace")
            body = content.split("\r\n\r\n", 1)[-1]
            # A multi-line reply, each line within RFC 5321's 512 octets.
            # What a reader sees: the parts' text, not the MIME structure.
            lines = [
                line.strip()[:400] for line in body.splitlines()
                if line.strip() and not line.startswith("--") and not line.lower().startswith("content-")
            ][:60]
            with open(os.path.join(self.directory, "quoted.txt"), "a") as f:
                f.write("\n".join(lines) + "\n")
            reply = ["550-5.6.0 Message content refused, it read:"]
            reply += ["550-5.6.0 " + line for line in lines]
            reply.append("550 5.6.0 End of quote")
            return "\r\n".join(reply)
        with COUNTER_LOCK:
            COUNTS["messages"] += 1
            n = COUNTS["messages"]
        base = os.path.join(self.directory, f"{n:04d}")
        with open(base + ".eml.partial", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".eml.partial", base + ".eml")
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "auth_user": session.auth_data.decode() if isinstance(session.auth_data, bytes) else session.auth_data,
            # session.ssl is set by STARTTLS; implicit TLS shows on the transport.
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            "port": self.port,
        }
        with open(base + ".json", "w") as f:
            json.dump(meta, f)
        return "250 2.0.0 Ok: queued as SB%04d" % n


COUNTS = {"messages": 0, "connections": 0}
COUNTER_LOCK = threading.Lock()


class CountingSMTP(SMTP):
    def connection_made(self, transport):
        with COUNTER_LOCK:
            COUNTS["connections"] += 1
        super().connection_made(transport)


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password:
            return AuthResult(success=True, auth_data=auth_data.login)
        return AuthResult(success=False, handled=False)

    return authenticate


class CountingController(Controller):
    def factory(self):
        return CountingSMTP(self.handler, **self.SMTP_kwargs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--starttls-port", type=int, required=True)
    parser.add_argument("--implicit-port", type=int, required=True)
    parser.add_argument("--plain-port", type=int, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    context = make_certificate(args.dir)
    auth = authenticator_for(args.user, args.password)
    controllers = [
        CountingController(
            Recorder(args.dir, args.starttls_port), hostname="127.0.0.1", port=args.starttls_port,
            tls_context=context, require_starttls=True, authenticator=auth, auth_require_tls=True,
        ),
        # aiosmtpd hides AUTH on implicit TLS when auth_require_tls is set: the
        # connection is already TLS, so it is safe to turn off here.
        CountingController(
            Recorder(args.dir, args.implicit_port), hostname="127.0.0.1", port=args.implicit_port,
            ssl_context=context, authenticator=auth, auth_require_tls=False,
        ),
        CountingController(
            Recorder(args.dir, args.plain_port), hostname="127.0.0.1", port=args.plain_port,
            authenticator=auth, auth_require_tls=False,
        ),
    ]
    for controller in controllers:
        controller.start()
    open(os.path.join(args.dir, "ready"), "w").close()
    try:
        while True:
            with COUNTER_LOCK:
                snapshot = dict(COUNTS)
            with open(os.path.join(args.dir, "connections.json.partial"), "w") as f:
                json.dump(snapshot, f)
            os.replace(os.path.join(args.dir, "connections.json.partial"), os.path.join(args.dir, "connections.json"))
            time.sleep(0.1)
    finally:
        for controller in controllers:
            controller.stop()


if __name__ == "__main__":
    main()
