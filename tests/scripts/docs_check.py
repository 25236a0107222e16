#!/usr/bin/env python3
"""The documentation stays true (issue 18).

  docs_check.py check ROOT
      Every relative link in the user-facing Markdown files resolves to a file
      in the repository (and an #anchor to a heading of the target file);
      links leaving the repository go to upstream projects only; every key of
      config/sqlwarden.example.toml is documented in docs/operations.md or
      docs/policy.md as `key` under a heading that names its table as `[table]`.

  docs_check.py run ROOT SANDBOX
      Runs every ```sh block that directly follows <!-- doc-test ... --> in
      README.md and docs/*.md, in SANDBOX, with the embedded default's ports
      replaced by SQLWARDEN_UP_*_PORT from the environment. Options in the
      comment: expect="text" (output contains it), expect-line="text" (a line
      of the output, stripped, equals it), fails (exit status must be non-zero).
"""
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

# Hosts that links may point to: upstream projects sqlwarden builds on,
# talks to, or is compared with. Anything else would leave the repository.
UPSTREAM_HOSTS = {
    "www.postgresql.org", "postgresql.org", "mariadb.com", "mariadb.org",
    "dev.mysql.com", "www.pgbouncer.org", "pgbouncer.org", "proxysql.com",
    "github.com", "think-async.com", "www.boost.org", "www.openssl.org",
    "datatracker.ietf.org", "www.rfc-editor.org", "toml.io", "systemd.io",
    "www.freedesktop.org", "prometheus.io", "modelcontextprotocol.io",
}

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```+|~~~+)(.*)$")
LINK = re.compile(r"(?<!!)\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?")
SECTION_TOKEN = re.compile(r"`\[\[?([A-Za-z0-9_.]+)\]\]?`")
DOC_TEST = re.compile(r"^\s*<!--\s*doc-test\b(.*?)-->\s*$")
ATTR = re.compile(r'([A-Za-z][\w-]*)(?:="((?:[^"\\]|\\.)*)")?')
SCRATCH_PORTS = {  # embedded default port -> environment variable of scripts/up
    "6432": "SQLWARDEN_UP_PG_PORT",
    "6033": "SQLWARDEN_UP_MY_PORT",
    "8000": "SQLWARDEN_UP_ADMIN_PORT",
    "15432": "SQLWARDEN_UP_PG_BACKEND_PORT",
    "13306": "SQLWARDEN_UP_MY_BACKEND_PORT",
}


def markdown_lines(path):
    """(line number, text, inside a fenced code block) for each line."""
    fence = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = FENCE.match(line)
        if m and m.group(1)[0] == "`" and "`" in m.group(2):
            m = None  # inline code that starts a line, not a fence (CommonMark)
        if m:
            if fence is None:
                fence = m.group(1)
                yield number, line, True
                continue
            if m.group(1).startswith(fence) and not m.group(2).strip():
                fence = None
                yield number, line, True
                continue
        yield number, line, fence is not None


def slug(heading):
    """GitHub's anchor for a heading."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    seen = {}
    out = set()
    for _, line, in_code in markdown_lines(path):
        m = HEADING.match(line)
        if not m or in_code:
            continue
        base = slug(m.group(2))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def checked_markdown(root):
    files = [root / "README.md"] + sorted((root / "docs").glob("*.md"))
    tracked = subprocess.run(["git", "ls-files", "*README.md"], cwd=root, text=True,
                             capture_output=True).stdout.split()
    for rel in tracked:
        p = root / rel
        if p not in files and p.exists():
            files.append(p)
    return files


def check_links(root):
    problems = []
    count = 0
    for md in checked_markdown(root):
        for number, line, in_code in markdown_lines(md):
            if in_code:
                continue
            line = re.sub(r"`[^`]*`", lambda m: " " * len(m.group(0)), line)
            targets = [m.group(1) for m in LINK.finditer(line)]
            targets += [m.group(1) for m in IMAGE.finditer(line)]
            for target in targets:
                count += 1
                where = f"{md.relative_to(root)}:{number}"
                if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                    m = re.match(r"^https://([^/:]+)", target)
                    if not m or m.group(1) not in UPSTREAM_HOSTS:
                        problems.append(f"{where}: link leaves the repository: {target}")
                    continue
                path_part, _, anchor = target.partition("#")
                dest = md if not path_part else (md.parent / path_part)
                try:
                    resolved = dest.resolve()
                    resolved.relative_to(root.resolve())
                except ValueError:
                    problems.append(f"{where}: link points outside the repository: {target}")
                    continue
                if not resolved.exists():
                    problems.append(f"{where}: broken link: {target}")
                    continue
                if anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
                    problems.append(f"{where}: no heading #{anchor} in {path_part or md.name}")
    return problems, count


def normalise_section(name):
    parts = name.split(".")
    if parts[0] == "profiles" and len(parts) >= 2:  # [profiles.<any name>]
        return ".".join(["profiles", "NAME"] + parts[2:])
    return name


def example_keys(path):
    """(section, key) for every key of the example, commented ones included."""
    keys = set()

    def walk(table, section):
        for k, v in table.items():
            if isinstance(v, dict):
                walk(v, f"{section}.{k}" if section else k)
            elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
                for item in v:
                    walk(item, f"{section}.{k}" if section else k)
            else:
                keys.add((normalise_section(section), k))

    text = path.read_text(encoding="utf-8")
    walk(tomllib.loads(text), "")
    # Commented examples count too: "# key = value" lines, in the table of
    # the last "[table]" or "# [table]" header above them.
    section = ""
    for line in text.splitlines():
        m = re.match(r"^#?\s*\[\[?([A-Za-z0-9_.]+)\]\]?\s*(#.*)?$", line)
        if m:
            section = normalise_section(m.group(1))
            continue
        m = re.match(r"^#\s*([a-z_][a-z0-9_]*)\s*=", line)
        if m:
            keys.add((section, m.group(1)))
    return keys


def documented_keys(paths):
    """(section, key) pairs: `key` under a heading naming `[section]`."""
    found = set()
    for path in paths:
        stack = []  # (level, sections)
        for _, line, in_code in markdown_lines(path):
            m = HEADING.match(line)
            if m and not in_code:
                level = len(m.group(1))
                while stack and stack[-1][0] >= level:
                    stack.pop()
                names = {normalise_section(s) for s in SECTION_TOKEN.findall(m.group(2))}
                stack.append((level, names))
                continue
            sections = set().union(*(s for _, s in stack)) if stack else set()
            if not sections:
                continue
            for key in re.findall(r"`([a-z_][a-z0-9_]*)`", line):
                for s in sections:
                    found.add((s, key))
    return found


def check_keys(root):
    keys = example_keys(root / "config" / "sqlwarden.example.toml")
    docs = documented_keys([root / "docs" / "operations.md", root / "docs" / "policy.md"])
    missing = sorted(keys - docs)
    return [f"config key {s}.{k} ({'[' + s + ']'} `{k}`) is not documented in "
            f"docs/operations.md or docs/policy.md" for s, k in missing], len(keys)


def cmd_check(root):
    link_problems, links = check_links(root)
    key_problems, keys = check_keys(root)
    for p in link_problems + key_problems:
        print(p)
    if links < 20 or keys < 30:  # the check itself must not silently go blind
        print(f"suspiciously little checked: {links} links, {keys} keys")
        return 1
    if link_problems or key_problems:
        print(f"docs check: {len(link_problems)} link problem(s), "
              f"{len(key_problems)} undocumented key(s)")
        return 1
    print(f"docs check: ok ({links} links, {keys} configuration keys)")
    return 0


def doc_test_blocks(root):
    for md in [root / "README.md"] + sorted((root / "docs").glob("*.md")):
        lines = md.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            m = DOC_TEST.match(line)
            if not m:
                continue
            where = f"{md.relative_to(root)}:{i + 1}"
            if i + 1 >= len(lines) or lines[i + 1].strip() not in ("```sh", "```bash"):
                raise SystemExit(f"{where}: <!-- doc-test --> must be followed by a ```sh block")
            options = {"expect": [], "expect-line": [], "fails": False}
            for name, value in ATTR.findall(m.group(1)):
                if name == "fails":
                    options["fails"] = True
                elif name in ("expect", "expect-line"):
                    options[name].append(re.sub(r"\\(.)", r"\1", value))
                else:
                    raise SystemExit(f"{where}: unknown doc-test option {name}")
            body = []
            for j in range(i + 2, len(lines)):
                if lines[j].strip() == "```":
                    break
                body.append(lines[j])
            else:
                raise SystemExit(f"{where}: unterminated code block")
            yield where, "\n".join(body) + "\n", options


def localise(script):
    for port, var in SCRATCH_PORTS.items():
        value = os.environ.get(var)
        if value:
            script = re.sub(rf"(?<![\d.]){port}(?!\d)", value, script)
    up_dir = os.environ.get("SQLWARDEN_UP_DIR")
    if up_dir:
        script = re.sub(r"(?<![\w/])\.local/", up_dir.rstrip("/") + "/", script)
    return script


def cmd_run(root, sandbox):
    failures = 0
    blocks = list(doc_test_blocks(root))
    per_file = {}
    for where, script, options in blocks:
        per_file[where.split(":")[0]] = per_file.get(where.split(":")[0], 0) + 1
        env = dict(os.environ, HOME=str(sandbox), PSQLRC="/dev/null", PAGER="cat")
        try:
            proc = subprocess.run(["bash", "-euo", "pipefail", "-c", localise(script)],
                                  cwd=sandbox, env=env, text=True, capture_output=True,
                                  timeout=60)
            output, status = proc.stdout + proc.stderr, proc.returncode
        except subprocess.TimeoutExpired:
            output, status = "(timed out after 60 s)", None
        problems = []
        if status is None:
            problems.append("timed out")
        elif options["fails"] and status == 0:
            problems.append("was expected to fail but exited 0")
        elif not options["fails"] and status != 0:
            problems.append(f"exited {status}")
        for text in options["expect"]:
            if text not in output:
                problems.append(f"output lacks {text!r}")
        stripped = {l.strip() for l in output.splitlines()}
        for text in options["expect-line"]:
            if text not in stripped:
                problems.append(f"no output line equal to {text!r}")
        if problems:
            failures += 1
            print(f"FAIL {where}: {'; '.join(problems)}\n--- script\n{localise(script)}"
                  f"--- output\n{output}---")
        else:
            print(f"ok   {where}")
    required = {"README.md": 3, "docs/policy.md": 3, "docs/operations.md": 3}
    for f, n in required.items():
        if per_file.get(f, 0) < n:
            failures += 1
            print(f"FAIL {f}: only {per_file.get(f, 0)} doc-test block(s), expected at least {n}")
    print(f"doc examples: {failures} problem(s) in {len(blocks)} block(s)" if failures
          else f"doc examples: all {len(blocks)} blocks ok")
    return 1 if failures else 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "check":
        return cmd_check(Path(argv[2]).resolve())
    if len(argv) >= 4 and argv[1] == "run":
        return cmd_run(Path(argv[2]).resolve(), Path(argv[3]).resolve())
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
