#!/usr/bin/env python3
"""Parses one message (a file, or stdin) with Python's email package and prints what it read as JSON.

MailMessageTests holds campaign-mailer's messages against this independent reader: decoded headers,
the parts with their charsets and transfer encodings, and every defect the parser noticed.
"""
import email
import email.header
import email.policy
import json
import sys


def address(header):
    if header is None:
        return None
    return [{"name": a.display_name, "address": a.addr_spec} for a in header.addresses]


def main():
    data = open(sys.argv[1], "rb").read() if len(sys.argv) > 1 else sys.stdin.buffer.read()
    msg = email.message_from_bytes(data, policy=email.policy.default)
    raw = email.message_from_bytes(data, policy=email.policy.compat32)
    parts = []
    defects = [str(d) for d in msg.defects]
    for part in msg.walk():
        defects += [str(d) for d in part.defects]
        if part.is_multipart():
            continue
        parts.append(
            {
                "contentType": part.get_content_type(),
                "charset": part.get_content_charset(),
                "transferEncoding": part.get("Content-Transfer-Encoding"),
                "content": part.get_content(),
            }
        )
    date = msg["Date"]
    print(
        json.dumps(
            {
                "headerNames": [name for name, _ in raw.items()],
                "subject": str(msg["Subject"]),
                "from": address(msg["From"]),
                "to": address(msg["To"]),
                # RFC 2047 §6.2 decoding of the whole field: Python 3.11 puts a space between
                # adjacent encoded words of a display name (CPython gh-128110); decode_header does not.
                "toDecoded": str(email.header.make_header(email.header.decode_header(raw["To"]))),
                "messageID": str(msg["Message-ID"]),
                "mimeVersion": str(msg["MIME-Version"]),
                "autoSubmitted": str(msg["Auto-Submitted"]),
                "date": date.datetime.isoformat() if date is not None and date.datetime is not None else None,
                "contentType": msg.get_content_type(),
                "parts": parts,
                "defects": defects,
            }
        )
    )


main()
