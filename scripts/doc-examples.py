#!/usr/bin/env python3
"""The documented examples, run: every fenced block in README.md and docs/*.md whose first line is
`$ dtwin ...` is a command and what it prints. This runs each command with the release binary
and compares its standard output with the block (timings masked; a block ending in a line `...`
shows only the start of the output). With --write, the blocks are rewritten with what the
commands print now, so documented outputs are generated, never typed.

    scripts/doc-examples.py [--check | --write] [--bin ./target/release/dtwin] [FILE.md ...]

Exit 0 when every example prints what it shows (or was rewritten), 1 when one drifted or failed.
A block with several `$ dtwin` lines (a sequence of commands) is run command by command and
checked only for exit status 0.
"""

import argparse
import difflib
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
# What changes from run to run and machine to machine: wall-clock time and throughput.
VOLATILE = [
    (re.compile(r"\d+ events in [0-9.]+ s \([0-9.]+ M events/s\)"), "N events in T s (R M events/s)"),
    (re.compile(r"in [0-9.]+ s\b"), "in T s"),
]


def mask(text):
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return [line.rstrip() for line in text.rstrip("\n").split("\n")]


def blocks(lines):
    """(start, end) line indices of fenced blocks whose first line starts with `$ dtwin`."""
    i = 0
    while i < len(lines):
        if lines[i].startswith("```") and i + 1 < len(lines) and lines[i + 1].startswith("$ dtwin "):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            yield i + 1, j
            i = j
        i += 1


def commands(body):
    """The commands of a block (joining continuation lines) and the index where output starts."""
    out, i = [], 0
    while i < len(body) and body[i].startswith("$ "):
        command = body[i][2:]
        while command.rstrip().endswith("\\") and i + 1 < len(body):
            i += 1
            command = command.rstrip()[:-1] + " " + body[i].strip()
        out.append(command.split("  #")[0].strip())
        i += 1
    return out, i


def run(command, binary):
    args = shlex.split(command)
    assert args[0] == "dtwin", command
    # Outputs go under out/ (ignored by git); start afresh so that nothing is resumed or refused.
    for flag in ("--out", "-o"):
        if flag in args:
            target = ROOT / args[args.index(flag) + 1]
            if target.resolve().is_relative_to(ROOT / "out"):
                shutil.rmtree(target, ignore_errors=True)
    done = subprocess.run([binary] + args[1:], cwd=ROOT, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout, done.stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="compare (the default)")
    mode.add_argument("--write", action="store_true", help="rewrite the blocks with the outputs")
    parser.add_argument("--bin", default=str(ROOT / "target/release/dtwin"))
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    files = [pathlib.Path(f) for f in args.files] or [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    failed = 0
    for path in files:
        lines = path.read_text().split("\n")
        edits = []
        for start, end in blocks(lines):
            body = lines[start:end]
            cmds, first_output = commands(body)
            shown = body[first_output:]
            for command in cmds:
                code, stdout, stderr = run(command, args.bin)
                if code != 0:
                    failed += 1
                    print(f"{path.name}:{start + 1}: `{command}` exited {code}:\n{stderr}", file=sys.stderr)
            if len(cmds) != 1 or code != 0:
                continue
            printed = mask(stdout)
            partial = bool(shown) and shown[-1].strip() == "..."
            expected = mask("\n".join(shown[:-1] if partial else shown))
            actual = printed[: len(expected)] if partial else printed
            if actual != expected:
                if args.write:
                    new = stdout.rstrip("\n").split("\n")
                    new = [line.rstrip() for line in (new[: len(expected)] if partial else new)]
                    edits.append((start + first_output, end, new + (["..."] if partial else [])))
                else:
                    failed += 1
                    diff = difflib.unified_diff(expected, actual, "documented", "printed", lineterm="")
                    print(f"{path.name}:{start + 1}: `{cmds[0]}` prints something else:", file=sys.stderr)
                    print("\n".join(diff), file=sys.stderr)
        for begin, end, new in reversed(edits):
            lines[begin:end] = new
        if edits:
            path.write_text("\n".join(lines))
            print(f"{path.name}: rewrote {len(edits)} example(s)")
    checked = "rewritten" if args.write else "checked"
    print(f"documented examples {checked}: {failed} failure(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
