#!/usr/bin/env python3
"""Where the CPU goes, by area. Reads `jfr print --json --events jdk.ExecutionSample` and files each sample under the
area of the frame nearest the leaf that matches one. Usage: jfr-areas.py recording.jfr [N: show N hottest stacks per area]"""
import json, subprocess, sys, collections, shutil, os

AREAS = [  # (area, substrings of a frame's class.method)
    ("event-bus JSON copy", ["JsonObject.copy", "JsonArray.copy", "JsonUtil.deepCopy"]),
    ("JSON encode/decode", ["com.fasterxml.jackson", "JsonObject.encode", "JsonArray.encode", "Json.decodeValue",
                            "JacksonCodec", "JsonObject.toBuffer"]),
    ("Lucene search", ["org.apache.lucene"]),
    ("Redis client", ["io.vertx.redis"]),
    ("PostgreSQL client", ["io.vertx.pgclient", "io.vertx.sqlclient"]),
    ("analytics", ["io.recserve.analytics"]),
    ("metrics", ["micrometer", "io.vertx.micrometer"]),
    ("event bus", ["io.vertx.core.eventbus"]),
    ("vertx-web router", ["io.vertx.ext.web"]),
    ("HTTP codec/server", ["io.vertx.core.http", "io.netty.handler.codec.http", "io.vertx.core.net"]),
    ("netty I/O", ["io.netty"]),
    ("recserve", ["io.recserve"]),
]

def classify(frames):
    for fr in frames:
        for name, patterns in AREAS:
            if any(p in fr for p in patterns):
                return name
    return "other"

def main(path, show=0):
    jfr = os.path.join(os.path.dirname(shutil.which("java") or ""), "jfr")
    if not os.path.exists(jfr): jfr = "jfr"
    out = subprocess.run([jfr, "print", "--json", "--stack-depth", "64", "--events", "jdk.ExecutionSample", path],
                         capture_output=True, text=True, check=True).stdout
    events = json.loads(out)["recording"]["events"]
    counts = collections.Counter()
    stacks = collections.defaultdict(collections.Counter)
    for e in events:
        frames = [f["method"]["type"]["name"].replace("/", ".") + "." + f["method"]["name"] for f in e["values"]["stackTrace"]["frames"]]
        area = classify(frames)
        counts[area] += 1
        stacks[area][" < ".join(frames[:4])] += 1
    total = sum(counts.values())
    print(f"{total} samples")
    for area, n in counts.most_common():
        print(f"{area:24s} {n:6d} {100.0 * n / total:5.1f}%")
        for stack, k in stacks[area].most_common(show):
            print(f"      {k:5d}  {stack}")

if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
