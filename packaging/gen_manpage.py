#!/usr/bin/env python3
"""Writes the pdqguard(1) man page: docs/pdqguard.1.in (the hand-written parts) with
@VERSION@ and @COMMANDS@ filled in, the latter from the program's own --help of every
subcommand (CLI11's layout), so the options in the man page are always the
program's.

    gen_manpage.py PDQGUARD_BINARY TEMPLATE OUTPUT VERSION
"""
import re
import subprocess
import sys

SECTIONS = ("Positionals:", "Options:", "Subcommands:")
COLUMN = 30  # CLI11's default column of the descriptions


def roff(text):
    """Escapes text for roff: backslashes, hyphens (so options stay copyable as
    ASCII minus), and a leading control character."""
    t = text.replace("\\", "\\e").replace("-", "\\-")
    # Long words without spaces (JSON field lists) may break after a comma.
    t = " ".join(w.replace(",", ",\\:") if len(w) > 40 else w for w in t.split(" "))
    if t.startswith((".", "'")):
        t = "\\&" + t
    return t


def help_of(binary, words):
    out = subprocess.run([binary, *words, "--help"], check=True, capture_output=True, text=True)
    return out.stdout + out.stderr


def parse(text):
    """CLI11 help -> (description, usage, {section: [(name, desc)]}, footer lines)."""
    lines = text.rstrip("\n").split("\n")
    desc, usage, items, footer = "", "", {}, []
    section = None
    pending = None  # an item whose description is on the next line
    for i, line in enumerate(lines):
        if i == 0 and not line.startswith("Usage:"):
            desc = line
            continue
        if line.startswith("Usage:"):
            usage = line[len("Usage:"):].strip()
            continue
        if line in SECTIONS:
            section = line
            items[section] = []
            continue
        if not line.strip():
            section = None
            continue
        if section:
            if line.startswith("    ") and pending is not None:  # continuation of a long name
                name, d = items[section][pending]
                items[section][pending] = (name, (d + " " + line.strip()).strip())
                continue
            m = re.match(r"^  (\S.*?)(?:\s{2,}(\S.*))?$", line)
            if m:
                name, d = m.group(1).strip(), (m.group(2) or "").strip()
                # A name that fills its column exactly is followed by one space only.
                if not d and len(line) > COLUMN and line[COLUMN - 1] == " " and line[COLUMN] != " ":
                    name, d = line[:COLUMN].strip(), line[COLUMN:].strip()
                items[section].append((name, d))
                pending = len(items[section]) - 1
            continue
        footer.append(line)
    return desc, usage, items, footer


def option_term(name):
    """'-t,--threads UINT' -> bold option names, italic argument."""
    name = re.sub(r"\{(true|false)\}$", "", name)
    parts = name.split(" ", 1)
    flags = ", ".join("\\fB" + roff(f) + "\\fR" for f in parts[0].split(","))
    return flags + (" \\fI" + roff(parts[1]) + "\\fR" if len(parts) > 1 else "")


def render(binary, words, out):
    desc, usage, items, footer = parse(help_of(binary, words))
    title = " ".join(["pdqguard", *words])
    out.append('.SS "%s"' % roff(title))
    out.append(roff(desc))
    if desc.startswith("Same as "):
        return
    usage = re.sub(r"^\S+", "pdqguard", usage)
    out.append(".PP\n.B Usage:\n" + roff(usage))
    for section in ("Positionals:", "Options:"):
        for name, d in items.get(section, []):
            if name == "-h,--help":
                continue
            out.append(".TP\n" + option_term(name) + "\n" + roff(d))
    subs = [name for name, _ in items.get("Subcommands:", [])]
    if subs:
        out.append(".PP\nSubcommands: " + ", ".join("\\fB" + roff(s) + "\\fR" for s in subs) + ".")
    in_example = False
    for line in footer:
        example = line.startswith("  ")
        if example and not in_example:
            out.append(".RS\n.nf")
        elif not example and in_example:
            out.append(".fi\n.RE")
        if not example:
            out.append(".PP")
        in_example = example
        out.append(roff(line.strip()))
    if in_example:
        out.append(".fi\n.RE")
    for s in subs:
        render(binary, [*words, s], out)


def main():
    binary, template, output, version = sys.argv[1:5]
    _, _, top, _ = parse(help_of(binary, []))
    out = []
    for name, _ in top.get("Subcommands:", []):
        render(binary, [name], out)
    with open(template, encoding="utf-8") as f:
        page = f.read()
    page = page.replace("@VERSION@", version).replace("@COMMANDS@", "\n".join(out))
    with open(output, "w", encoding="utf-8") as f:
        f.write(page)


if __name__ == "__main__":
    main()
