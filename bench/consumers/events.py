#!/usr/bin/env python3
"""Prints Recserve's recommendation events as they are stored, through the TCP event-bus bridge.
Frames are a 4-byte big-endian length followed by that many bytes of UTF-8 JSON.
Usage: python3 events.py [host] [port] [count]
With a bridge token set on the server (bridge.token), give it in RECSERVE_BRIDGE_TOKEN here too."""
import json, os, socket, struct, sys

host, port = (sys.argv[1] if len(sys.argv) > 1 else "localhost"), int(sys.argv[2]) if len(sys.argv) > 2 else 7001
count = int(sys.argv[3]) if len(sys.argv) > 3 else 0
sock = socket.create_connection((host, port))

def send(frame):
    data = json.dumps(frame).encode()
    sock.sendall(struct.pack(">I", len(data)) + data)

def receive():
    size = struct.unpack(">I", sock.recv(4, socket.MSG_WAITALL))[0]
    return json.loads(sock.recv(size, socket.MSG_WAITALL))

register = {"type": "register", "address": "recserve.analytics.stream"}
if os.environ.get("RECSERVE_BRIDGE_TOKEN"):
    register["headers"] = {"token": os.environ["RECSERVE_BRIDGE_TOKEN"]}
send(register)
seen = 0
while count == 0 or seen < count:
    frame = receive()
    if frame["type"] == "message":  # one message per batch of stored events
        for event in frame["body"]["events"]:
            print(event["request_id"], event["kind"], "user", event.get("user_id"), "movies", [i["movie_id"] for i in event["items"]],
                  "version", event["model_version"], "hit" if event["cache_hit"] else "miss", f'{event["latency_ms"]:.1f} ms')
            seen += 1
    elif frame["type"] == "err":
        print("refused:", frame["message"], file=sys.stderr)
        sys.exit(1)  # a refused register is not retried: nothing would come
