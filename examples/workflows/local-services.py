#!/usr/bin/env python3
"""A stand-in for Lambda and SNS on 127.0.0.1:3001, for trying workflows that
call them (see docs/workflow-services.md, "Other services: local endpoints").

Lambda Invoke (POST /2015-03-31/functions/NAME/invocations) answers
{"function": NAME, "input": <the payload>}; SNS Publish (a form with
Action=Publish) prints the message and answers a MessageId."""
import json, sys, uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        parts = self.path.split("/")
        if self.path.startswith("/2015-03-31/functions/") and parts[-1] == "invocations":
            payload = json.loads(body or b"null")
            self.answer("application/json", json.dumps({"function": parts[3], "input": payload}),
                        {"X-Amz-Executed-Version": "$LATEST"})
            return
        form = parse_qs(body.decode())
        if form.get("Action") == ["Publish"]:
            print("SNS", form["TopicArn"][0], form["Message"][0], file=sys.stderr, flush=True)
            self.answer("text/xml", "<PublishResponse><PublishResult><MessageId>%s</MessageId>"
                        "</PublishResult></PublishResponse>" % uuid.uuid4())
            return
        self.send_error(404)

    def answer(self, ctype, text, headers={}):
        data = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 3001), Handler).serve_forever()
