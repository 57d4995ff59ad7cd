"""Runs code in a new kernel of a user's single-user server through JupyterHub's proxy, the way a
program without a browser does: jupyter_server's REST API creates the kernel, its channels
websocket carries the Jupyter messaging protocol (JSON frames, the default when no subprotocol is
asked for), and the kernel is shut down at the end.

    JUPYTERHUB_API_TOKEN=... python kernel_client.py SERVER_URL CODE

SERVER_URL is the server's public URL through the proxy (http://HOST:PORT/user/NAME/); the token
(from the environment, never the command line) is a JupyterHub API token that may access it. Prints one JSON object: the kernel's id and name, the
execute_reply's status, and what the code wrote to stdout and stderr. Exits non-zero with the
reason on anything unexpected. Uses requests and websocket-client, both pinned in hub/.venv.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from datetime import datetime, timezone

import requests
import websocket

TIMEOUT = 60  # seconds, per request and for the whole execution


def message(session: str, msg_type: str, content: dict) -> dict:
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "username": "kernel-client",
            "session": session,
            "date": datetime.now(timezone.utc).isoformat(),
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "content": content,
        "channel": "shell",
        "buffers": [],
    }


def run(server_url: str, token: str, code: str) -> dict:
    base = server_url.rstrip("/")
    auth = {"Authorization": f"token {token}"}
    r = requests.post(f"{base}/api/kernels", json={"name": "python3"}, headers=auth, timeout=TIMEOUT)
    if r.status_code != 201:
        raise SystemExit(f"POST {base}/api/kernels: {r.status_code} {r.text[:500]}")
    kernel = r.json()
    try:
        session = uuid.uuid4().hex
        ws_url = base.replace("http", "ws", 1) + f"/api/kernels/{kernel['id']}/channels?session_id={session}"
        ws = websocket.create_connection(ws_url, header=[f"Authorization: token {token}"], timeout=TIMEOUT)
        try:
            request = message(session, "execute_request", {
                "code": code,
                "silent": False,
                "store_history": False,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            })
            ws.send(json.dumps(request))
            return {"kernel": kernel["id"], "name": kernel["name"], **collect(ws, request["header"]["msg_id"])}
        finally:
            ws.close()
    finally:
        d = requests.delete(f"{base}/api/kernels/{kernel['id']}", headers=auth, timeout=TIMEOUT)
        if d.status_code != 204:
            raise SystemExit(f"DELETE {base}/api/kernels/{kernel['id']}: {d.status_code} {d.text[:500]}")


def collect(ws: websocket.WebSocket, msg_id: str) -> dict:
    """Reads replies to `msg_id` until the execute_reply has come and the kernel is idle again."""
    out = {"stdout": "", "stderr": "", "status": None}
    idle = False
    deadline = time.monotonic() + TIMEOUT
    while not (idle and out["status"]):
        if time.monotonic() > deadline:
            raise SystemExit(f"no execute_reply and idle status within {TIMEOUT} s; so far {out}")
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out[content["name"]] += content["text"]
        elif kind == "error":
            out["stderr"] += f"{content['ename']}: {content['evalue']}\n"
        elif kind == "execute_reply":
            out["status"] = content["status"]
        elif kind == "status" and content["execution_state"] == "idle":
            idle = True
    return out


if __name__ == "__main__":
    if len(sys.argv) != 3 or not os.environ.get("JUPYTERHUB_API_TOKEN"):
        raise SystemExit(__doc__)
    print(json.dumps(run(sys.argv[1], os.environ["JUPYTERHUB_API_TOKEN"], sys.argv[2])))
