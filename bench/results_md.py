"""bench/RESULTS.md is shared: each benchmark script owns the section between its
`<!-- NAME:start -->` and `<!-- NAME:end -->` markers and rewrites only that."""

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = "# Benchmark results\n\nWritten by the scripts in `bench/`; each script owns the section between its markers.\n"


def write_section(name: str, body: str) -> Path:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.strip(chr(10))}\n{end}"
    text = RESULTS.read_text() if RESULTS.exists() else HEADER
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(text)
    return RESULTS


def git_rev() -> str:
    """The commit the measured code comes from, flagged when the Rust sources differ from it."""
    import subprocess

    root = RESULTS.parent.parent

    def run(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()

    try:
        rev = run("rev-parse", "--short", "HEAD")
        dirty = run("status", "--porcelain", "--", "crates", "Cargo.toml", "Cargo.lock")
        return f"{rev} (uncommitted changes under crates/)" if dirty else rev
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
