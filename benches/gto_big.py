"""Writes a large GTO registry with `git fast-import`, for the import benchmark.

    python3 benches/gto_big.py DIR MODELS VERSIONS

DIR becomes a Git repository with one commit per version: `dvc.yaml` annotates
MODELS artifacts `mNNN` (path `models/mNNN.bin`, committed in Git, 256 bytes that
change with each version); each version `mNNN@vV.0.0` is registered at its commit
by an annotated tag (two taggers, one second apart), assigned to `staging`, and every
tenth to `prod` (GTO's counters) — the tags GTO 1.10's `register` and `assign`
write, without paying GTO's per-tag cost.
"""

import os
import subprocess
import sys


def main():
    target, models, versions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    subprocess.run(["git", "init", "-q", target], check=True)
    stream = []
    when = 1_700_000_000
    authors = ["Ada <ada@example.com>", "Bob <bob@example.com>"]

    def data(text):
        raw = text.encode()
        stream.append(b"data %d\n" % len(raw) + raw + b"\n")

    annotations = "artifacts:\n" + "".join(
        f"  m{m:03}:\n    path: models/m{m:03}.bin\n    type: model\n" for m in range(models)
    )
    mark = 0
    tags = []
    counters = {}
    for v in range(1, versions + 1):
        for m in range(models):
            mark += 1
            when += 1
            stream.append(b"commit refs/heads/main\n")
            stream.append(b"mark :%d\n" % mark)
            stream.append(f"committer {authors[mark % 2]} {when} +0000\n".encode())
            data(f"m{m:03} v{v}")
            if mark > 1:
                stream.append(b"from :%d\n" % (mark - 1))
            if mark == 1:
                stream.append(b"M 100644 inline dvc.yaml\n")
                data(annotations)
            payload = (f"m{m:03} version {v} ".encode() * 32)[:256]
            stream.append(f"M 100644 inline models/m{m:03}.bin\n".encode())
            stream.append(b"data %d\n" % len(payload) + payload + b"\n")
            name = f"m{m:03}"
            tags.append((f"{name}@v{v}.0.0", mark, when, mark % 2))
            for stage in ["staging"] + (["prod"] if v % 10 == 0 else []):
                counters[name] = counters.get(name, 0) + 1
                tags.append((f"{name}#{stage}#{counters[name]}", mark, when + 1, (mark + 1) % 2))
    for name, at, time, who in tags:
        stream.append(f"tag {name}\nfrom :{at}\n".encode())
        stream.append(f"tagger {authors[who]} {time} +0000\n".encode())
        data(f"{name}\n")
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        input=b"".join(stream),
        cwd=target,
        check=True,
        env={**os.environ, "GIT_DIR": os.path.join(target, ".git")},
    )
    subprocess.run(["git", "-C", target, "checkout", "-q", "main"], check=True)


if __name__ == "__main__":
    main()
