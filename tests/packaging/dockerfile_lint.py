#!/usr/bin/env python3
"""Lints the Dockerfile (Docker is not installed here, so the image is never built
in CI): the rules the image must keep.

  - multi-stage: a named build stage, and a last (runtime) stage that copies from it;
  - every FROM pinned: an explicit version tag (not `latest`, not a bare name) or a
    digest, on Debian 12 (debian:12.x / bookworm);
  - no ADD of URLs (nothing fetched outside apt), no `curl|wget ... | sh`;
  - `apt-get install` with --no-install-recommends, in the same RUN as `apt-get update`,
    and the lists removed in that RUN; no -dev packages or compilers in the runtime stage;
  - the runtime stage runs as a non-root USER, has a HEALTHCHECK of the gateway's
    /healthz, and a CMD in exec (JSON) form; every COPY source from the context exists;
  - .dockerignore keeps build trees and .git out of the context.

    dockerfile_lint.py DOCKERFILE         lint (exit 1 with the reasons)
    dockerfile_lint.py --selftest DOCKERFILE   each rule rejects a broken copy
"""
import json
import os
import re
import sys


def instructions(text):
    """(KEYWORD, argument text) per instruction, continuation lines joined."""
    out, cur = [], ""
    for line in text.splitlines():
        s = line.strip()
        if not cur and (not s or s.startswith("#")):
            continue
        if cur and s.startswith("#"):
            continue  # a comment inside a continued instruction
        if s.endswith("\\"):
            cur += s[:-1] + " "
            continue
        cur += s
        kw, _, arg = cur.partition(" ")
        out.append((kw.upper(), arg.strip()))
        cur = ""
    if cur:
        kw, _, arg = cur.partition(" ")
        out.append((kw.upper(), arg.strip()))
    return out


def lint(text, context_dir):
    errors = []
    ins = instructions(text)
    stages = []  # [name, [instructions]]
    for kw, arg in ins:
        if kw == "FROM":
            m = re.match(r"(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$", arg, re.I)
            if not m:
                errors.append(f"FROM: cannot read '{arg}'")
                continue
            image, name = m.group(1), m.group(2)
            stages.append([name, [], image])
            if "@sha256:" in image:
                pass
            elif ":" not in image or image.endswith(":latest"):
                errors.append(f"FROM {image}: not pinned (give a version tag or a digest)")
            elif "$" in image:
                errors.append(f"FROM {image}: pin the image literally, not through an ARG")
            if not re.match(r"^(docker\.io/(library/)?)?debian:(12(\.\d+)?|bookworm)([-@:].*)?$", image):
                errors.append(f"FROM {image}: not a Debian 12 (bookworm) image")
        elif stages:
            stages[-1][1].append((kw, arg))
        elif kw != "ARG":
            errors.append(f"{kw} before the first FROM")
    if len(stages) < 2:
        errors.append("not multi-stage: a build stage and a runtime stage are needed")
        return errors
    if not stages[0][0]:
        errors.append("the build stage has no name (FROM ... AS build)")
    runtime = stages[-1][1]
    if not any(kw == "COPY" and re.search(r"--from=" + re.escape(stages[0][0] or "?"), arg)
               for kw, arg in runtime):
        errors.append("the runtime stage copies nothing from the build stage (COPY --from=...)")

    for si, (name, body, _) in enumerate(stages):
        last = si == len(stages) - 1
        for kw, arg in body:
            if kw == "ADD":
                if re.search(r"\b(https?|ftp)://", arg):
                    errors.append(f"ADD of a URL: {arg}")
                else:
                    errors.append(f"ADD {arg}: use COPY for local files")
            if kw == "RUN":
                if re.search(r"\b(curl|wget)\b[^|;&]*\|\s*(ba|da)?sh\b", arg):
                    errors.append(f"RUN pipes a download into a shell: {arg}")
                if "apt-get install" in arg:
                    if "--no-install-recommends" not in arg:
                        errors.append(f"apt-get install without --no-install-recommends: {arg}")
                    if "apt-get update" not in arg:
                        errors.append("apt-get install without apt-get update in the same RUN")
                    if not re.search(r"rm -rf [^;&|]*/var/lib/apt/lists", arg):
                        errors.append("apt-get install leaves /var/lib/apt/lists in the layer")
                    if last and re.search(r"\s(\S+-dev|g\+\+|gcc|clang|cmake|build-essential)(\s|$)", arg):
                        errors.append(f"the runtime stage installs build tools: {arg}")
            if kw == "COPY" and not arg.startswith("--from"):
                try:
                    srcs = json.loads(arg)[:-1] if arg.startswith("[") else arg.split()[:-1]
                except ValueError:
                    srcs = []
                for src in srcs:
                    if src.startswith("--"):
                        continue
                    if not any(ch in src for ch in "*?[") and not os.path.exists(os.path.join(context_dir, src)):
                        errors.append(f"COPY {src}: no such file in the build context")
        if last:
            users = [arg for kw, arg in body if kw == "USER"]
            if not users:
                errors.append("the runtime stage runs as root (no USER)")
            elif re.match(r"^(root|0)(:|$)", users[-1]):
                errors.append(f"the runtime stage's USER is root: {users[-1]}")
            hc = [arg for kw, arg in body if kw == "HEALTHCHECK"]
            if not hc or hc[-1].upper() == "NONE":
                errors.append("the runtime stage has no HEALTHCHECK")
            elif "/healthz" not in hc[-1]:
                errors.append("the HEALTHCHECK does not ask the gateway's /healthz")
            cmds = [arg for kw, arg in body if kw in ("CMD", "ENTRYPOINT")]
            if not cmds:
                errors.append("the runtime stage has no CMD")
            for c in cmds:
                try:
                    ok = isinstance(json.loads(c), list)
                except ValueError:
                    ok = False
                if not ok:
                    errors.append(f"CMD/ENTRYPOINT not in exec (JSON) form: {c}")
            if not any("pdqguard-gateway" in c for c in cmds):
                errors.append("the default command is not the gateway")
    ignore = os.path.join(context_dir, ".dockerignore")
    if not os.path.exists(ignore):
        errors.append("no .dockerignore (build trees and .git would be sent as context)")
    else:
        pats = {l.strip() for l in open(ignore, encoding="utf-8") if l.strip() and not l.startswith("#")}
        for need in (".git", "build"):
            if need not in pats:
                errors.append(f".dockerignore does not exclude {need}")
    return errors


def selftest(path):
    """Each broken copy must be rejected, for the reason given."""
    text = open(path, encoding="utf-8").read()
    ctx = os.path.dirname(os.path.abspath(path))
    cases = {
        "unpinned FROM": (r"FROM debian:12\.\d+-slim", "FROM debian", "not pinned"),
        "latest": (r"FROM debian:12\.\d+-slim", "FROM debian:latest", "not pinned"),
        "not Debian 12": (r"FROM debian:12\.\d+ AS", "FROM ubuntu:22.04 AS", "not a Debian 12"),
        "root user": (r"USER \S+", "USER root", "USER is root"),
        "no user": (r"USER \S+\n", "", "runs as root"),
        "ADD url": (r"COPY \. \.", "ADD https://example.org/x.tgz /src/", "ADD of a URL"),
        "no healthcheck": (r"HEALTHCHECK (.*\\\n)*.*\n", "", "no HEALTHCHECK"),
        "single stage": (r"FROM debian:12\.\d+-slim AS runtime\n(.*\n)*", "", "not multi-stage"),
        "shell-form CMD": (r'(?m)^CMD \[.*\]', "CMD pdqguard-gateway --list /lists/x.csv", "exec (JSON) form"),
        "recommends": (r"--no-install-recommends ", "", "--no-install-recommends"),
        "curl|sh": (r"RUN apt-get update", "RUN curl -fsSL https://example.org/i.sh | sh && apt-get update",
                    "pipes a download"),
        "missing COPY source": (r"COPY scripts/install-deps\.sh", "COPY scripts/no-such-file.sh", "no such file"),
    }
    failed = 0
    for name, (pattern, repl, reason) in cases.items():
        broken, n = re.subn(pattern, repl, text, count=1)
        if n != 1:
            print(f"selftest {name}: pattern not found in {path}")
            failed += 1
            continue
        errs = lint(broken, ctx)
        if not any(reason in e for e in errs):
            print(f"selftest {name}: not rejected for '{reason}'; errors: {errs}")
            failed += 1
    if failed:
        return 1
    print(f"OK: the lint rejects all {len(cases)} broken variants")
    return 0


def main():
    if sys.argv[1] == "--selftest":
        return selftest(sys.argv[2])
    path = sys.argv[1]
    errs = lint(open(path, encoding="utf-8").read(), os.path.dirname(os.path.abspath(path)))
    for e in errs:
        print("FAIL:", e)
    if not errs:
        print(f"OK: {path} passes the lint")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
